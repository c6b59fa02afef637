"""A realistic chat history, made up quickly: for store tests and benchmarks.

``populate(path, conversations=5000, messages_per=20)`` writes 100,000 messages in
English and French, with code blocks, Markdown, accents, a few emoji, usage and
credits on replies, a few incomplete or failed replies, and words of every
frequency (from "the" to one-off ticket numbers), so searches have realistic hit
counts. Everything derives from ``seed``: the same arguments give the same data.
``raw(path)`` is a plain second connection to a history file, for tests that look
under the store.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.domain.titles import title_from_message
from mixtral_desktop.core.storage.records import SearchHit
from mixtral_desktop.core.storage.search import SearchIndex
from mixtral_desktop.core.storage.store import Store


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain second connection to the file, closed afterwards."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


START = 1_704_067_200.0  # 2024-01-01 00:00 UTC
SPAN = 700 * 86_400.0

TOPICS_EN = [
    "sqlite", "python", "rust", "kubernetes", "sourdough bread", "the French revolution",
    "linear algebra", "a trip to Lisbon", "tax returns", "guitar chords", "garden tomatoes",
    "React hooks", "climate models", "marathon training", "a cover letter", "Docker images",
    "regular expressions", "the Roman empire", "quantum computing", "budget spreadsheets",
]
TOPICS_FR = [
    "la cuisine lyonnaise", "les impôts", "un voyage à Québec", "la photosynthèse",
    "le théâtre de Molière", "les réseaux de neurones", "le café filtre", "la randonnée",
    "une lettre de motivation", "les fractions", "la Révolution française", "le jardinage",
]
QUESTIONS_EN = [
    "Can you explain {t} in simple terms?",
    "What is the best way to get started with {t}?",
    "I keep getting an error with {t}. Any idea why?",
    "Write a short summary of {t} for a beginner.",
    "Compare {t} and {u}: which one should I pick?",
    "How do I debug a problem with {t} when the logs say nothing?",
    "Give me three tips about {t}, please.",
]
QUESTIONS_FR = [
    "Peux-tu m'expliquer {t} simplement ?",
    "Quelle est la meilleure façon de commencer avec {t} ?",
    "J'ai une erreur avec {t}, une idée de la cause ?",
    "Fais-moi un résumé de {t} pour un débutant.",
    "Compare {t} et {u} : lequel choisir ?",
    "Donne-moi trois conseils sur {t}, s'il te plaît.",
]
SENTENCES_EN = [
    "The short answer is that {t} depends on the context you work in.",
    "First, check the configuration and make sure the defaults are what you expect.",
    "A common mistake is to optimise too early; measure before changing anything.",
    "In practice most people combine {t} with {u} and it works well.",
    "Keep the examples small, then grow them one step at a time.",
    "If the problem persists, try a clean install and compare the results.",
    "This behaviour changed in recent versions, so read the release notes.",
    "Think of it as a pipeline: input, transformation, output.",
    "The documentation covers the edge cases in a dedicated chapter.",
    "You can also ask a colleague to review the approach before you commit to it.",
    "Note that {t} is often confused with {u}, but they solve different problems.",
    "Write a test first, watch it fail, then fix the code.",
]
SENTENCES_FR = [
    "La réponse courte : tout dépend du contexte dans lequel tu travailles.",
    "D'abord, vérifie la configuration et assure-toi que les valeurs par défaut conviennent.",
    "Une erreur fréquente consiste à optimiser trop tôt ; mesure avant de modifier.",
    "En pratique, on combine souvent {t} avec {u} et ça marche très bien.",
    "Garde des exemples courts, puis enrichis-les petit à petit.",
    "Si le problème persiste, essaie une installation propre et compare les résultats.",
    "Ce comportement a changé récemment : lis les notes de version.",
    "Note que {t} est souvent confondu avec {u}, mais ils répondent à des besoins différents.",
    "Écris d'abord un test, regarde-le échouer, puis corrige le code.",
    "Le théorème s'applique dès que les hypothèses sont vérifiées ; c'est élégant.",
]
CODE_BLOCKS = [
    "```python\nimport sqlite3\n\nconn = sqlite3.connect('app.db')\n"
    "rows = conn.execute('SELECT id, title FROM notes WHERE done = ?', (0,)).fetchall()\n"
    "for row in rows:\n    print(row)\n```",
    "```rust\nfn main() {\n    let total: u64 = (1..=10).sum();\n"
    "    println!(\"total = {}\", total);\n}\n```",
    "```bash\ndocker build -t myapp:latest .\ndocker run --rm -p 8080:8080 myapp:latest\n```",
    "```javascript\nconst [count, setCount] = useState(0);\n"
    "useEffect(() => { document.title = `Clicked ${count} times`; }, [count]);\n```",
    "```sql\nCREATE INDEX idx_orders_customer ON orders (customer_id, created_at DESC);\n```",
    "```python\ndef fibonacci(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n"
    "        a, b = b, a + b\n    return a\n```",
]
EXTRAS = ["🙂", "👍", "🚀", "☕", "—", "**important**", "`config.toml`", "*voilà*", "(naïve)"]
NAMES = ["Alice", "Bruno", "Chloé", "Dmitri", "Élodie", "Farah", "Gaspard", "Hiroshi", "Inès"]


def populate(
    store_or_path: Store | Path,
    conversations: int = 5000,
    messages_per: int = 20,
    seed: int = 0,
) -> int:
    """Add ``conversations`` conversations of ``messages_per`` messages; returns the count.

    Writes in one transaction (a few seconds for 100,000 messages). Accepts an open
    store or a database path (opened and closed here).
    """
    if isinstance(store_or_path, Store):
        return _populate(store_or_path, conversations, messages_per, seed)
    with Store.open(Path(store_or_path)) as store:
        return _populate(store, conversations, messages_per, seed)


def _populate(store: Store, conversations: int, messages_per: int, seed: int) -> int:
    rng = random.Random(seed)
    total = 0
    with store.transaction():
        for n in range(conversations):
            created = START + SPAN * n / max(conversations, 1) + rng.uniform(0, 3600)
            messages = conversation_messages(rng, created, messages_per)
            first_user = next((m.content for m in messages if m.role is Role.USER), "")
            custom = rng.random() < 0.1
            title = f"Notes {rng.choice(NAMES)} #{n}" if custom else title_from_message(first_user)
            updated = messages[-1].created if messages else created
            store.insert_conversation(
                title, messages, created=created, updated=updated, custom_title=custom
            )
            total += len(messages)
    return total


def conversation_messages(rng: random.Random, start: float, count: int) -> list[Message]:
    """``count`` alternating user/assistant messages on one topic, starting at ``start``."""
    french = rng.random() < 0.35
    topics = TOPICS_FR if french else TOPICS_EN
    t, u = rng.sample(topics, 2)
    when = start
    credits = rng.uniform(5, 50)
    messages: list[Message] = []
    for i in range(count):
        when += rng.uniform(5, 400)
        role = Role.USER if i % 2 == 0 else Role.ASSISTANT
        if i == 0 and rng.random() < 0.05:
            role = Role.SYSTEM
        if role is Role.ASSISTANT:
            messages.append(_reply(rng, french, t, u, when, credits))
            credits = max(0.0, credits - rng.uniform(0.001, 0.05))
        else:
            messages.append(Message(role, _question(rng, french, t, u), created=when))
    return messages


def _question(rng: random.Random, french: bool, t: str, u: str) -> str:
    template = rng.choice(QUESTIONS_FR if french else QUESTIONS_EN)
    text = template.format(t=t, u=u)
    if rng.random() < 0.15:
        text += f" (ticket {rng.randrange(10_000, 99_999)})"
    if rng.random() < 0.1:
        text += "\n\n" + rng.choice(CODE_BLOCKS)
    if rng.random() < 0.1:
        text = f"{rng.choice(NAMES)} asked me this: {text}"
    return text


def _reply(
    rng: random.Random, french: bool, t: str, u: str, when: float, credits: float
) -> Message:
    sentences = SENTENCES_FR if french else SENTENCES_EN
    paragraphs: list[str] = []
    for _ in range(rng.randint(1, 4)):
        picked = [rng.choice(sentences).format(t=t, u=u) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.2:
            picked.append(rng.choice(EXTRAS))
        paragraphs.append(" ".join(picked))
    if rng.random() < 0.25:
        paragraphs.insert(rng.randint(0, len(paragraphs)), rng.choice(CODE_BLOCKS))
    if rng.random() < 0.2:
        paragraphs.append("\n".join(f"- {rng.choice(sentences).format(t=t, u=u)}" for _ in "abc"))
    content = "\n\n".join(paragraphs)
    prompt = rng.randint(20, 3000)
    completion = max(1, len(content) // 4)
    usage: Usage | None = Usage(prompt, completion, prompt + completion)
    state = MessageState.DONE
    error = None
    roll = rng.random()
    if roll < 0.02:
        state, usage = MessageState.INCOMPLETE, None
        content = content[: len(content) // 2]
    elif roll < 0.03:
        state, usage, content = MessageState.FAILED, None, ""
        error = "The server took too long to answer (read timeout)."
    return Message(
        Role.ASSISTANT, content, state=state, created=when, usage=usage, error=error,
        remaining_credits=None if usage is None else round(credits, 4),
    )


def search(store: Store, query: str, limit: int = 50) -> list[SearchHit]:
    """Search ``store``'s file as the window does: on a read-only connection of its own."""
    index = SearchIndex(store.path)
    try:
        return index.search(query, limit)
    finally:
        index.close()
