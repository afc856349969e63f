"""Messages as codes: rendering in both languages, formats, nesting, JSON, and a catalogue in
which every code has both languages."""

from __future__ import annotations

import pickle

from planner.messages import LANGS, Message, catalogue, msg, render


def test_every_code_has_both_languages() -> None:
    """The Chinese and English catalogues hold the same codes."""
    assert set(catalogue("zh")) == set(catalogue("en"))
    assert {lang: bool(catalogue(lang)) for lang in LANGS} == {"zh": True, "en": True}


def test_formats_yuan_place_date_plural(monkeypatch) -> None:
    """A fen amount reads as yuan, a county code as its name, an English plural follows n."""
    import planner.messages as messages

    monkeypatch.setitem(messages.catalogue("en"), "t.x",
                        "{n} seat{n:plural} from {county:place} at {fen:yuan} yuan on {day:date}")
    text = render(msg("t.x", n=2, county="520502", fen=123456, day="2020-02-21"), "en")
    assert text == "2 seats from 贵州省毕节市七星关区 at 1,234.56 yuan on 2020-02-21"
    assert render(msg("t.x", n=1, county="999999", fen=100, day="2020-02-21"), "en").startswith(
        "1 seat from 999999")


def test_a_column_reads_as_the_header_shown_in_each_language(monkeypatch) -> None:
    """``{column:header}`` names a table's column by its Chinese header in Chinese and its
    English name in English; a column the tables do not know is shown as given."""
    import planner.messages as messages

    for lang in LANGS:
        monkeypatch.setitem(messages.catalogue(lang), "t.col", "[{column:header}]")
    assert render(msg("t.col", column="workers.name"), "zh") == "[姓名]"
    assert render(msg("t.col", column="workers.name"), "en") == "[name]"
    assert render(msg("t.col", column="employers.new_hires_wanted"), "zh") == "[招工需求人数]"
    assert render(msg("t.col", column="name"), "zh") == "[name]"


def test_nested_messages_and_lists_render_in_the_same_language(monkeypatch) -> None:
    """A message parameter is rendered in the outer message's language; a list is joined."""
    import planner.messages as messages

    monkeypatch.setitem(messages.catalogue("zh"), "t.outer", "原因：{why}")
    inner = msg("common.unknown")
    assert render(msg("t.outer", why=inner), "zh") == "原因：未知"
    assert render(msg("t.outer", why=[inner, inner]), "zh") == "原因：未知；未知"


def test_unknown_code_is_shown_not_raised() -> None:
    """A code missing from the catalogue renders as the code with its parameters."""
    assert render(msg("no.such", a=1), "zh") == "no.such(a=1)"


def test_messages_are_plain_data() -> None:
    """A message pickles, hashes and goes through JSON unchanged, nested ones included."""
    m = msg("t.outer", why=msg("common.unknown"), n=3, names=["a", "b"])
    assert pickle.loads(pickle.dumps(m)) == m
    assert hash(m) == hash(msg("t.outer", n=3, names=("a", "b"), why=msg("common.unknown")))
    assert Message.from_json(m.to_json()) == m
