"""The one form a message's documents are sent in."""

from __future__ import annotations

from mixtral_desktop.core.domain.attachments import Attachment, as_sent, text_digest


def test_documents_go_first_each_named_then_the_question() -> None:
    texts = {text_digest("Page one.\n\nPage two."): "Page one.\n\nPage two.",
             text_digest("a,b\n1,2"): "a,b\n1,2"}
    report = Attachment("report.pdf", "pdf", text_digest("Page one.\n\nPage two."), pages=2)
    table = Attachment('say "hi" & go.csv', "csv", text_digest("a,b\n1,2"))
    assert as_sent("What does it say?", [report, table], texts.__getitem__) == (
        '<document name="report.pdf">\nPage one.\n\nPage two.\n</document>\n\n'
        '<document name="say &quot;hi&quot; &amp; go.csv">\na,b\n1,2\n</document>\n\n'
        "What does it say?"
    )
    assert as_sent("", [report], texts.__getitem__) == (
        '<document name="report.pdf">\nPage one.\n\nPage two.\n</document>'
    )
    assert as_sent("Just text", [], texts.__getitem__) == "Just text"


def test_the_digest_is_the_texts_not_the_names() -> None:
    assert text_digest("same") == text_digest("same") != text_digest("Same")
    assert len(text_digest("")) == 64
