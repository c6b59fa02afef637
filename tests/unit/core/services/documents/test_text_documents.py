"""Text, source code, Markdown, CSV, JSON, HTML and Word files read into the text the
model gets, and every bad file refused with a message naming it and the reason."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mixtral_desktop.core.services.documents import errors, limits, text
from mixtral_desktop.core.services.documents.extract import extract
from mixtral_desktop.core.services.documents.extracted import page_ranges
from tests.fakes.docx_files import write_docx

ROOT = Path(__file__).resolve().parents[5]


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


@pytest.mark.parametrize("name,kind", [
    ("main.py", "text"), ("lib.rs", "text"), ("Makefile", "text"), ("notes.md", "markdown"),
    ("table.csv", "csv"), ("data.json", "json"), ("weird.extension-9", "text"),
])
def test_text_of_any_extension_is_read_whole(tmp_path: Path, name: str, kind: str) -> None:
    content = "première ligne\nzweite Zeile 🐶\r\nterza riga\n"
    result = extract(write(tmp_path, name, content))
    assert (result.name, result.kind) == (name, kind)
    assert result.text == content.replace("\r\n", "\n")
    assert (result.encoding, result.replacements, result.lines) == ("utf-8", 0, 4)


@pytest.mark.parametrize("encoding,sample", [
    ("cp1252", "Le café coûte 2 € à Noël, déjà réglé. " * 20),
    ("utf-16", "Größenänderung des Fensters, ça marche. " * 10),
    ("utf-8-sig", "¿Qué tal? Très bien, grazie. " * 10),
    ("cp1252", "Größenänderung des Fensters, ça marche. " * 3),
    ("latin-1", "¿Qué tal? Muy bien, señor. " * 2),
    ("cp1251", "Привет, как дела? Это русский текст в старой кодировке. " * 10),
    ("shift_jis", "これは日本語のテキストです。文字コードを判定します。" * 10),
])
def test_the_encoding_is_detected_not_assumed(tmp_path: Path, encoding: str, sample: str) -> None:
    result = extract(write(tmp_path, "legacy.txt", sample, encoding))
    assert result.text == sample
    assert result.replacements == 0


def test_invalid_bytes_are_replaced_and_counted(tmp_path: Path) -> None:
    data = "Déjà vu, naïve café — ".encode() * 30 + b"\xff\xfe broken \xc3" + b" end"
    result = extract(write(tmp_path, "damaged.txt", data))
    assert result.encoding == "utf-8"
    assert result.replacements == 3
    assert result.text.startswith("Déjà vu, naïve café") and result.text.endswith(" end")


def test_a_binary_file_is_not_a_text_document(tmp_path: Path) -> None:
    path = write(tmp_path, "program", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    with pytest.raises(errors.NotText) as caught:
        extract(path)
    assert str(caught.value) == "program: not a text document (it holds binary data)"


def test_an_unsupported_type_names_the_supported_ones(tmp_path: Path) -> None:
    with pytest.raises(errors.Unsupported) as caught:
        extract(write(tmp_path, "photo.PNG", b"\x89PNG\r\n\x1a\n...."))
    assert str(caught.value) == (
        "photo.PNG: .png files are not read; the app reads text and source code, Markdown, "
        "CSV, JSON, HTML, PDF and Word (.docx)"
    )


def test_a_file_over_the_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.log"
    with path.open("wb") as file:  # sparse: 2 GB on no disk at all
        file.truncate(2 * 1024 ** 3)
    read: list[int] = []
    monkeypatch.setattr(text, "_read", lambda *args: read.append(1) or b"")
    with pytest.raises(errors.TooLarge) as caught:
        extract(path)
    assert str(caught.value) == (
        "huge.log: the file is 2048 MB; the limit for this kind of file is 20 MB"
    )
    assert read == []


def test_a_missing_file_or_a_folder_is_unreadable(tmp_path: Path) -> None:
    gone = write(tmp_path, "gone.txt", "x")
    gone.unlink()
    with pytest.raises(errors.Unreadable) as caught:
        extract(gone)
    assert str(caught.value) == "gone.txt: the file no longer exists (it was moved or deleted)"
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(errors.Unreadable) as caught:
        extract(tmp_path / "folder.md")
    assert str(caught.value) == "folder.md: it is a folder, not a file"


def test_a_file_that_vanishes_while_it_is_read_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "line\n" * 600_000)  # 3 MB: read in 3 chunks

    def vanish(done: int, total: int) -> None:
        path.unlink()
        path.mkdir()  # (the open file still reads: make the next chunk's read fail)
        raise OSError(5, "Input/output error")

    with pytest.raises(errors.Unreadable) as caught:
        extract(path, progress=vanish)
    assert str(caught.value) == "big.txt: the file could not be read (Input/output error)"


def test_reading_reports_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "line\n" * 600_000)
    seen: list[tuple[int, int]] = []
    extract(path, progress=lambda done, total: seen.append((done, total)))
    size = path.stat().st_size
    assert seen == [(limits.MB, size), (2 * limits.MB, size), (size, size)]
    with pytest.raises(errors.Cancelled) as caught:
        extract(path, progress=lambda done, _t: None, cancelled=lambda: bool(seen.pop()))
    assert str(caught.value) == "big.txt: reading was cancelled"


def test_html_is_reduced_to_its_text(tmp_path: Path) -> None:
    page = """<!doctype html><html><head><title>Release notes</title>
    <style>body { color: red }</style><script>alert("no")</script></head>
    <body><h1>Version 2</h1><p>Faster   and
    <b>safer</b> &amp; smaller.</p><ul><li>one</li><li>two</li></ul>
    <table><tr><th>OS</th><th>Size</th></tr><tr><td>Linux</td><td>167 MB</td></tr></table>
    <pre>def f():
        return 1</pre></body></html>"""
    result = extract(write(tmp_path, "notes.html", page))
    assert result.kind == "html"
    assert result.text == (
        "Release notes\n\nVersion 2\n\nFaster and safer & smaller.\n\n- one\n- two\n\n"
        "OS | Size\nLinux | 167 MB\n\ndef f():\n        return 1"
    )


def test_a_word_document_gives_its_paragraphs_and_tables(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "contract.docx", [
        "Article 1 — Objet", "Le présent contrat\ta pour objet…\nsuite.", "",
        [["Partie", "Rôle"], ["Alice", "Vendeuse"]], "Fin 🐶",
    ])
    result = extract(path)
    assert result.kind == "docx"
    assert result.text == (
        "Article 1 — Objet\nLe présent contrat\ta pour objet…\nsuite.\n\n"
        "Partie | Rôle\nAlice | Vendeuse\nFin 🐶"
    )


@pytest.mark.parametrize("make,reason", [
    (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"),
     "the Word document is damaged or incomplete"),
    (lambda p: p.write_bytes(write_docx(p, ["x" * 5000]).read_bytes()[:300]),
     "the Word document is damaged or incomplete"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("other.xml", "<a/>"),
     "not a Word document (it has no document body)"),
    (lambda p: write_docx(p, [], body="<w:document><unclosed>"),
     "the Word document is damaged or incomplete"),
])
def test_a_corrupt_word_document_says_so(tmp_path: Path, make: object, reason: str) -> None:
    path = tmp_path / "broken.docx"
    make(path)  # type: ignore[operator]
    with pytest.raises(errors.Corrupt) as caught:
        extract(path)
    assert str(caught.value) == f"broken.docx: {reason}"


def test_a_word_zip_bomb_is_refused_before_it_unpacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "DOCX_MAX_XML_BYTES", 1000)
    from mixtral_desktop.core.services.documents import docx

    monkeypatch.setattr(docx, "DOCX_MAX_XML_BYTES", 1000)
    path = write_docx(tmp_path / "bomb.docx", ["a" * 100_000])
    with pytest.raises(errors.Corrupt) as caught:
        extract(path)
    assert "its text would unpack to 98 KB; the limit is 1 KB" in str(caught.value)


def test_page_ranges_read_as_a_person_writes_them() -> None:
    assert page_ranges((1, 2, 3, 7, 9, 10)) == "1–3, 7, 9–10"
    assert page_ranges((4,)) == "4"


def test_reading_text_imports_no_document_library() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mixtral_desktop.core.services.documents.extract import extract\n"
        f"extract(Path({str(Path(__file__))!r}))\n"
        "print(sorted(m for m in ('pypdfium2', 'charset_normalizer', 'zipfile',\n"
        "    'mixtral_desktop.core.services.documents.pdf') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
