"""Test doubles that speak real protocols (a loopback Segmind server)."""
