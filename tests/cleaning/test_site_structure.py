"""What a clean learns of a site's structure from its own pages, and applies: pages of one invented site.

Teaser cards between the paragraphs, a note box whose text rotates (a chrome position of the template),
fact boxes and lists whose paragraphs follow the page, and the learned state kept in the store so that
a crawl's clean, chunk after chunk, removes what ``defcorpus extract --learn`` removes in one go.
"""

from __future__ import annotations

from pathlib import Path

from cleaning.boilerplate import BoilerplateStats
from cleaning.options import CleanOptions
from cleaning.pipeline import BatchResult, clean_batch
from corpus.store import open_store
from crawlers.sites import get_site
from defcorpus.extract_cmd import extract_site_pages
from defcorpus.site_state import load_boilerplate, save_boilerplate
from tests.support import cleaning_sites as sites
from tests.support.template_site import NOTES, Card, Page, article, fetched

OPTIONS = CleanOptions.build("harbour", language="en")
NEW_NOTE = "Editor's note: the harbour desk now answers readers' questions every Friday; send yours in."


def clean(pages: list[Page], stats: BoilerplateStats | None = None) -> BatchResult:
    return clean_batch(fetched(pages), OPTIONS, stats if stats is not None else BoilerplateStats())


def reasons(result: BatchResult) -> dict[str, str]:
    return {r.text: r.reason for r in result.removals}


def card(n: int) -> Card:
    return Card(f"Ferry timetable changes for the summer season {n}", sites.prose(300 + n, 1)[0])


def test_teaser_cards_between_the_paragraphs_are_removed() -> None:
    pages = [article(n, cards=[card(n)]) for n in range(4)]
    result = clean(pages)
    assert [a.body for a in result.articles] == ["\n\n".join(p.paragraphs) for p in pages]
    removed = reasons(result)
    assert all(removed.get(card(n).description) == "teaser_card" for n in range(4))


def test_a_box_linking_to_another_site_or_a_plain_subheading_is_the_articles() -> None:
    source = Card("The port authority's annual report", sites.prose(400, 1)[0], "https://port-authority.example/report")
    subheading = "<div class='aside'><h3>What the survey found</h3><p>" + sites.prose(401, 1)[0] + "</p></div>"
    pages = [article(n) for n in range(3)] + [article(9, cards=[source], extra=subheading)]
    body = clean(pages).articles[-1].body
    assert source.description in body
    assert "What the survey found" in body and sites.prose(401, 1)[0] in body


def test_a_box_whose_text_recurs_at_one_position_goes_even_with_new_text() -> None:
    """Six pages rotate two notes at one position of the template; the seventh prints a note never
    seen before there: the position is chrome, the new text goes too. Article text never recurs."""
    pages = [article(n, note=NOTES[n % 2]) for n in range(6)] + [article(6, note=NEW_NOTE)]
    result = clean(pages)
    assert [a.body for a in result.articles] == ["\n\n".join(p.paragraphs) for p in pages]
    removed = reasons(result)
    assert removed[NEW_NOTE] == "chrome_slot"
    assert removed[NOTES[0]] == removed[NOTES[1]] == "boilerplate"  # three articles each: their text recurs


def test_a_box_seen_on_too_few_pages_is_not_judged() -> None:
    pages = [article(n, note=NOTES[n % 2]) for n in range(2)] + [article(2, note=NEW_NOTE)]
    result = clean(pages)
    assert all(r.reason != "chrome_slot" for r in result.removals)
    assert NEW_NOTE in result.articles[-1].body


def test_a_fact_box_printed_as_a_quote_keeps_its_paragraphs_apart() -> None:
    items = ["Three ferries run every hour in summer.", "The quay closes at midnight."]
    box = f"<blockquote><h2>At a glance</h2><ul><li>{items[0]}</li><li>{items[1]}</li></ul></blockquote>"
    body = clean([article(0, extra=box)]).articles[0].body
    assert body.split("\n\n")[-3:] == ["At a glance", *items]


def test_names_in_two_lists_and_a_repeated_question_stay_a_repeated_paragraph_does_not() -> None:
    crews = (
        "<h2>Crew of the first boat</h2><ul><li>Ana Ruiz</li><li>Tom Baker</li></ul>"
        "<h2>Crew of the second boat</h2><ul><li>Ana Ruiz</li><li>Lee Chan</li></ul>"
        f"<p>{sites.prose(500, 1)[0]}</p>"
    )
    page = article(0, extra=crews)
    quoted = page.paragraphs[1]
    page.paragraphs.append(quoted)  # printed again (a pull quote)
    for at in (1, 4):  # the question put to each of two skippers
        page.paragraphs.insert(at, "What did you see that night?")
    result = clean([page])
    paragraphs = result.articles[0].body.split("\n\n")
    assert paragraphs.count("Ana Ruiz") == 2
    assert paragraphs.count("What did you see that night?") == 2
    assert paragraphs.count(quoted) == 1
    assert reasons(result)[quoted] == "duplicate_in_page"


def test_the_learned_structure_round_trips_through_the_store(tmp_path: Path) -> None:
    site = get_site("minisite")
    pages = [article(n, note=NOTES[n % 2], cards=[card(n)]) for n in range(7)]
    stats = BoilerplateStats()
    clean(pages, stats)
    store = open_store(str(tmp_path / "store"))
    save_boilerplate(store, site.name, stats)
    restored = load_boilerplate(store, site)
    assert restored.template.to_record() == stats.template.to_record()
    assert restored.template.slots.slots  # the positions came back, not an empty template


def test_a_crawl_cleaned_in_chunks_removes_what_extract_learn_removes(tmp_path: Path) -> None:
    """Chunk after chunk through the store, as ``defcorpus clean`` runs, against all pages at once."""
    site = get_site("minisite")
    pages = [article(n, note=NOTES[n % 2], cards=[card(n)]) for n in range(6)] + [article(6, note=NEW_NOTE)]
    store = open_store(str(tmp_path / "store"))
    stats = load_boilerplate(store, site)  # a site cleaned for the first time: empty state
    chunked = clean_batch(fetched(pages[:6]), OPTIONS, stats).articles
    save_boilerplate(store, site.name, stats)
    chunked += clean(pages[6:], load_boilerplate(store, site)).articles
    at_once = [o.article for o in extract_site_pages(fetched(pages))]
    assert [a.body for a in chunked] == [a.body if a else None for a in at_once]
    assert chunked[-1].body == "\n\n".join(pages[-1].paragraphs)  # the new note went in both
