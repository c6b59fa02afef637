"""Make docs/screenshot.png (and -dark), docs/chat-settings.png, docs/usage.png and
docs/documents.png: the real main window against the fake Segmind (offscreen), over a
history of a few weeks of paid replies.

    .venv/bin/python scripts/screenshot.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("MIXTRAL_SCREENSHOT_DIR", ROOT / "docs"))
"""Where the PNGs go (another folder to look at a variant, e.g. QT_SCALE_FACTOR=2)."""
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QPA_FONTDIR", "/usr/share/fonts/truetype/dejavu")
for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[var] = tempfile.mkdtemp()

import asyncio  # noqa: E402

import qasync  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mixtral_desktop.core.config.secrets import KeyStore  # noqa: E402
from mixtral_desktop.core.domain.chat_settings import ChatSettings  # noqa: E402
from mixtral_desktop.core.domain.conversation import (  # noqa: E402
    Message,
    MessageState,
    Role,
    Usage,
)
from mixtral_desktop.core.segmind.config import ClientConfig  # noqa: E402
from mixtral_desktop.core.services.clients import ClientProvider  # noqa: E402
from mixtral_desktop.core.storage.store import Store  # noqa: E402
from mixtral_desktop.ui.shell.main_window import MainWindow  # noqa: E402
from mixtral_desktop.ui.shell.services import WindowServices  # noqa: E402
from mixtral_desktop.ui.theme.follow import follower  # noqa: E402
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind  # noqa: E402

REPLY = """### Counting lines

Iterate over the file: it never loads the whole file into memory.

```python
from pathlib import Path

def count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in f)
```

| Approach | Memory |
| --- | --- |
| `for line in f` | O(1) |
| `f.readlines()` | O(n) |
"""


def wait(condition: object, timeout_ms: int = 10_000) -> None:
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: loop.quit() if condition() else None)  # type: ignore[operator]
    timer.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def seed_history(store: Store) -> None:
    """Four weeks of chats with paid replies, so the usage window (and the estimate under
    the composer) has something to show; one reply's cost is approximate."""
    rng = random.Random(18)
    day = 86_400.0
    now = time.time()
    for title, days in (("Code review", range(27, 0, -3)), ("Trip to Lyon", range(20, 2, -4)),
                        ("Contract summary", (9, 8, 2))):
        messages: list[Message] = []
        for ago in days:
            at = now - ago * day
            prompt, completion = rng.randint(800, 9000), rng.randint(100, 900)
            credits = round(prompt * 0.0000012 + completion * 0.0000036, 6)
            messages += [
                Message(Role.USER, "A question", created=at),
                Message(Role.ASSISTANT, "An answer.", MessageState.DONE, created=at + 20,
                        usage=Usage(prompt, completion, prompt + completion),
                        counted_tokens=prompt, credits_spent=credits,
                        credits_note="another reply overlapped" if ago == 8 else None),
            ]
        store.insert_conversation(title, messages, created=messages[0].created,
                                  updated=messages[-1].created)


REPORT_PAGES = [
    "Quarterly report, Q3. Revenue grew 12 % to 4.2 M EUR; costs grew 7 %.",
    "Risks: one supplier delivers 60 % of the parts; two senior engineers leave in March.",
    "Outlook: a second supplier is being qualified; hiring starts in January.",
]


def shoot_documents(window: MainWindow) -> None:
    """docs/documents.png: a question sent with a PDF, and a draft with two documents."""
    from tests.fakes.pdf_files import write_pdf

    folder = Path(tempfile.mkdtemp())
    report = write_pdf(folder / "q3-report.pdf", REPORT_PAGES)
    (folder / "suppliers.csv").write_text(
        "supplier,share\nAcme,60\nBolt,25\nCog,15\n", encoding="utf-8")
    (folder / "notes.md").write_text("# Meeting notes\n\n- Hiring plan\n", encoding="utf-8")
    window.new_tab()
    tab = window.current_tab()
    tab.documents.attach([report])
    wait(lambda: len(tab.documents.tray.chips()) == 1)
    tab.submit(Role.USER, "What are the main risks in this report?")
    wait(lambda: not tab.is_busy())
    tab.documents.attach([folder / "suppliers.csv", folder / "notes.md"])
    wait(lambda: len(tab.documents.tray.chips()) == 2
         and all(c.tokens is not None for c in tab.documents.tray.chips()))
    tab.composer.set_text("Compare with the suppliers' shares.")
    wait(lambda: False, 400)
    out = OUT / "documents.png"
    window.grab().save(str(out))
    print(out)


def main() -> None:
    app = QApplication(sys.argv[:1])
    # The app's loop: Qt's, running asyncio through qasync (spun by wait() below).
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    asyncio._set_running_loop(loop)
    with FakeSegmind(mode="sse", reply=REPLY, remaining_credits=12.75, credits=12.75,
                     free_credits=0.0, credit_cost=0.00047, header_after_charge=True) as server:
        config = ClientConfig(base_url=server.base_url)
        clients = ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config)
        store = Store.open(Path(os.environ["XDG_DATA_HOME"]) / "history.sqlite3")
        seed_history(store)
        services = WindowServices.create(clients, store, loop=loop)
        window = MainWindow(services)
        window.resize(1000, 720)
        window.show()
        window.refresh_credits()  # the balance each reply's cost is taken from
        wait(lambda: services.metering.ledger.balance is not None)
        tab = window.current_tab()
        tab.chat_settings.apply(ChatSettings(system="You are a concise Python expert."))
        tab.submit(Role.USER, "How do I count the lines of a big file in Python?")
        wait(lambda: not tab.is_busy())
        tab.branching.regenerate(1)  # a second version of the reply: "‹ 2/2 ›"
        wait(lambda: not tab.is_busy())
        window.new_tab()
        window.tabs.setTabText(1, "Trip to Lyon")
        window.tabs.setCurrentIndex(0)
        tab.composer.set_text("And in Rust?")
        lexers = services.rendering.lexers
        wait(lambda: not lexers.is_loading())  # code is coloured once its lexer is
        wait(lambda: False, 300)
        tab.view.toolbar.show_for(1)  # as when the pointer is over the reply
        wait(lambda: False, 100)
        out = OUT / "screenshot.png"
        window.grab().save(str(out))
        print(out)
        # The chat's settings beside it: a preset applied, then a value being fixed.
        panel = tab.chat_settings.open_panel()
        panel.preset_box.setCurrentIndex(panel.preset_box.findData("builtin:concise"))
        panel.apply_chosen()
        field = panel.form.fields["temperature"]
        field.edit.setText("2.5")
        field.edit.textEdited.emit("2.5")
        wait(lambda: False, 200)
        out = OUT / "chat-settings.png"
        window.grab().save(str(out))
        print(out)
        # History → Usage…: the last 30 days.
        usage = window.usage_flow.open_window()
        usage.resize(900, 640)
        wait(lambda: usage.per_chat.model().rowCount() >= 3)
        wait(lambda: False, 200)
        out = OUT / "usage.png"
        usage.grab().save(str(out))
        print(out)
        usage.close()
        shoot_documents(window)
        # The same window in the dark theme (Settings → Theme: Dark).
        follower("dark")
        window.tabs.setCurrentIndex(0)
        wait(lambda: False, 400)
        out = OUT / "screenshot-dark.png"
        window.grab().save(str(out))
        print(out)
        follower("light")
        window.close()
        wait(lambda: not services.tasks.pending())
        services.finish()
        store.close()


if __name__ == "__main__":
    main()
