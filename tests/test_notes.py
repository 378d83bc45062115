"""The candidate's notes -> the draft's personal line: frames, safe pronoun shifts, panels."""

from __future__ import annotations

import pytest

from lookup.card.notes import MAX_TOPIC, items_for, note_items, rephrase

NAME, COMPANY = "Dana Okafor", "Brightwater Analytics"


def en(note: str):
    return rephrase(note, language="en", name=NAME, company=COMPANY)


@pytest.mark.parametrize(
    ("note", "kind", "topic"),
    [
        # The example: "their" (the company's) becomes "your".
        ("We discussed migrating their batch jobs to Flink and the on-call rotation",
         "discussing", "migrating your batch jobs to Flink and the on-call rotation"),
        ("She explained how their team handles on-call.", "explaining",
         "how your team handles on-call"),
        # "she" + a verb in -s: the verb agrees with "you".
        ("We talked about how she leads the platform group", "talking",
         "how you lead the platform group"),
        ("He walked me through their incident process and how he tries to keep pages rare",
         "walking", "your incident process and how you try to keep pages rare"),
        ("Dana explained how she scaled the team", "explaining", "how you scaled the team"),
        ("We talked about Dana's move to Bristol", "talking", "your move to Bristol"),
        ("We discussed Brightwater's plans for Tidepool", "discussing", "your plans for Tidepool"),
        ("We discussed the deadline with him", "discussing", "the deadline with you"),
        ("I learned a lot about their water-utility customers", "learning",
         "your water-utility customers"),
        ("We had a great conversation about their roadmap", "talking", "your roadmap"),
        ("they told me about their data contracts", "telling", "your data contracts"),
        # First person stays as written: "my", "I", "our".
        ("She asked about my Kafka experience", "questions", "my Kafka experience"),
        ("asked how I would design the ingestion layer", "questions",
         "how I would design the ingestion layer"),
        ("We discussed our expectations for the first month", "discussing",
         "our expectations for the first month"),
    ],
)
def test_frames_and_safe_pronoun_shifts(note: str, kind: str, topic: str) -> None:
    """A known opening becomes a frame key; the rest keeps its words, pronouns turned to "you"."""
    line = en(note)
    assert (line.kind, line.topic) == (kind, topic)
    assert line.original == note


@pytest.mark.parametrize(
    ("note", "topic"),
    [
        # Someone else named before the pronoun: "their" may be theirs.
        ("We discussed Netflix and their chaos tooling", "Netflix and their chaos tooling"),
        ("We discussed how customers use their meters", "how customers use their meters"),
        # Two people of different pronouns: who is the reader cannot be told.
        ("We discussed his roadmap and her hiring plans", "his roadmap and her hiring plans"),
        # "she" followed by a word that is no verb form the rules know.
        ("We discussed how she Flink", "how she Flink"),
    ],
)
def test_unsafe_shifts_leave_the_words_as_written(note: str, topic: str) -> None:
    """Where a pronoun rule cannot apply safely, the words stay exactly as written."""
    line = en(note)
    assert line.topic == topic and not line.shifted


@pytest.mark.parametrize(
    "note",
    ["Flink migration, on-call", "Great chat, she seemed keen", "She's been leading the migration",
     "She asked me to send my portfolio"],
)
def test_notes_no_frame_fits_are_used_as_written(note: str) -> None:
    """No frame fits: the note is kept whole, unchanged ("as_written")."""
    line = en(note)
    assert (line.kind, line.topic) == ("as_written", note)


def test_german_notes_are_framed_but_pronouns_are_left_alone() -> None:
    """German: "Wir haben über X gesprochen" gives X; "ihrer" (her/their/your) is not touched."""
    line = rephrase("Wir haben über die Migration ihrer Batch-Jobs zu Flink gesprochen.",
                    language="de", name=NAME)
    assert (line.kind, line.topic) == ("talking", "die Migration ihrer Batch-Jobs zu Flink")


def test_long_notes_are_cut_at_a_word_and_say_so() -> None:
    """A note longer than MAX_TOPIC is cut at a word boundary, marked, never padded."""
    line = en("We discussed " + "streaming joins and backfills " * 30)
    assert line.cut and line.topic.endswith("…") and len(line.topic) <= MAX_TOPIC


def test_note_items_split_lines_bullets_and_sentences() -> None:
    """Bullets, numbered lines, sentences and semicolons each make one point; CR/LF are gone."""
    notes = "- We discussed X.\r\n* She asked about Y; they use Flink\n\n3) Lee: asked about Z. Ana explained W"
    assert note_items(notes) == ["We discussed X", "She asked about Y", "they use Flink",
                                 "Lee: asked about Z", "Ana explained W"]
    assert note_items(None) == [] and note_items("  \n ") == []


def test_panel_notes_go_to_who_they_name_and_shared_ones_rotate() -> None:
    """A note naming a panelist goes to them; the shared ones rotate so no two start alike."""
    panel = ["Dana Okafor", "Lee Park", "Ana Silva"]
    items = note_items("Lee: asked about testing\nAna explained the on-call rotation\n"
                       "We discussed the Flink migration\nWe talked about hiring")
    firsts = {name: items_for(items, name, panel)[0] for name in panel}
    assert firsts == {"Dana Okafor": "We discussed the Flink migration",
                      "Lee Park": "asked about testing",
                      "Ana Silva": "Ana explained the on-call rotation"}
    assert "asked about testing" not in items_for(items, "Dana Okafor", panel)
    assert items_for(items, "Dana Okafor", []) == items
