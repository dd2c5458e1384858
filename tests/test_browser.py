"""The search page in headless Chromium, against the real server (`searchsvc serve`).

Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) are driven
with Selenium, given both paths so that nothing downloads a browser or driver;
axe-core, bundled with axe-selenium-python, checks accessibility. The module skips
when the browser or its driver is not installed.
"""

from __future__ import annotations

import re
import signal
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import chromium
import pytest
from test_page import DOCS, EVIL
from test_server_e2e import start_serve

from searchsvc import SearchEngine

if not chromium.available():
    pytest.skip(chromium.MISSING, allow_module_level=True)

from axe_selenium_python import Axe  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    NoAlertPresentException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT_SECONDS = 15

#: Enough hits to page through: Kharkiv reports on several days of one month.
MORE_DOCS = [
    {
        "id": f"kharkiv-{day}",
        "title": f"Kharkiv report {day}",
        "body": "Artillery hit Kharkiv again; rescuers worked until morning.",
        "source": "Ukrinform" if day % 2 else "BBC",
        "category": "war",
        "lang": "en",
        "date": f"2024-06-{day:02d}",
    }
    for day in range(1, 8)
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    index_dir = folder / "index"
    with SearchEngine(index_dir) as engine:
        engine.add([*DOCS, *MORE_DOCS])
    log = folder / "server.log"
    process, port = start_serve(index_dir, log)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert "Traceback" not in log.read_text()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], Any], what: str) -> Any:
    # The script swaps the results part while a condition may be reading it.
    waiting = WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,))
    return waiting.until(condition, message=what)


def heading(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "results-heading").text)


def hit_titles(driver: WebDriver) -> list[str]:
    return [str(e.text) for e in driver.find_elements(By.CSS_SELECTOR, ".hit h3 a")]


def count_of(driver: WebDriver, facet: str, value: str) -> int:
    box = driver.find_element(By.CSS_SELECTOR, f'input[name="filter"][value="{facet}:{value}"]')
    label = driver.find_element(By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]')
    return int(label.find_element(By.CLASS_NAME, "count").text)


def params(driver: WebDriver) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query, keep_blank_values=True)


def stale(element: WebElement) -> Callable[[WebDriver], bool]:
    """Whether ``element`` left the page: the results part was swapped."""

    def gone(driver: WebDriver) -> bool:
        try:
            element.is_enabled()
        except Exception:
            return True
        return False

    return gone


def console_errors(driver: WebDriver) -> list[str]:
    return [str(entry["message"]) for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_type_a_query_and_see_results(browser: WebDriver, base: str) -> None:
    browser.get(base + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("Sloviansk")
    # No submit: the script searches once typing pauses, and leaves the box alone.
    wait_for(browser, lambda d: "for “Sloviansk”" in heading(d), "results for the typed query")
    assert params(browser)["q"] == ["Sloviansk"]
    assert browser.switch_to.active_element == box
    assert box.get_attribute("value") == "Sloviansk"
    assert browser.execute_script("return arguments[0].selectionStart", box) == len("Sloviansk")
    titles = hit_titles(browser)
    assert "Shelling in Slavyansk" in titles and "В Славянске прогремели взрывы" in titles
    marks = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".hit h3 mark")]
    assert {"Slavyansk", "Славянске", "Sloviansk"} <= set(marks)
    # Enter searches at once too.
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("Kyiv", Keys.ENTER)
    wait_for(browser, lambda d: hit_titles(d) == ["Kyiv metro extends its hours"], "the search for Kyiv")
    assert console_errors(browser) == []


def test_tick_a_facet_and_see_the_counts_change(browser: WebDriver, base: str) -> None:
    browser.get(base + "/?q=Sloviansk")
    assert count_of(browser, "category", "war") == 2
    assert count_of(browser, "source", "Reuters") == 1
    old = browser.find_element(By.ID, "results-heading")
    browser.find_element(By.CSS_SELECTOR, 'input[value="source:BBC"]').click()
    wait_for(browser, stale(old), "the results after ticking BBC")
    assert params(browser)["filter"] == ["source:BBC"]
    assert browser.find_element(By.CSS_SELECTOR, 'input[value="source:BBC"]').is_selected()
    # Disjunctive: the other sources keep their counts; the other facets count BBC only.
    assert count_of(browser, "source", "Reuters") == 1
    assert count_of(browser, "category", "war") == 1
    assert hit_titles(browser) == ["Shelling in Slavyansk"]
    # The ticked box keeps the focus for the keyboard.
    assert browser.switch_to.active_element.get_attribute("value") == "source:BBC"
    browser.back()
    wait_for(browser, lambda d: "filter" not in params(d) and count_of(d, "category", "war") == 2, "back")


def test_page_through_the_results(browser: WebDriver, base: str) -> None:
    browser.get(base + "/?q=Kharkiv&limit=3&sort=date:asc")
    assert hit_titles(browser) == ["Kharkiv report 1", "Kharkiv report 2", "Kharkiv report 3"]
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    wait_for(browser, lambda d: hit_titles(d)[:1] == ["Kharkiv report 4"], "the second page")
    assert params(browser)["offset"] == ["3"]
    assert "4 to 6" in heading(browser)
    browser.find_element(By.CSS_SELECTOR, 'a[aria-label="Page 3"]').click()
    wait_for(browser, lambda d: hit_titles(d) == ["Kharkiv report 7"], "the third page")
    browser.back()
    wait_for(browser, lambda d: hit_titles(d)[:1] == ["Kharkiv report 4"], "back to the second page")


def test_follow_a_document_and_come_back(browser: WebDriver, base: str) -> None:
    browser.get(base + "/?q=Kyiv&filter=source:Reuters")
    browser.find_element(By.LINK_TEXT, "Kyiv metro extends its hours").click()
    wait_for(
        browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Kyiv metro extends its hours", "doc"
    )
    assert "/page/documents/kyiv-reuters" in browser.current_url
    assert "Trains in Kyiv now run until midnight." in browser.page_source
    browser.find_element(By.ID, "back").click()
    wait_for(browser, lambda d: hit_titles(d) == ["Kyiv metro extends its hours"], "the search again")
    assert params(browser) == {"q": ["Kyiv"], "filter": ["source:Reuters"]}
    assert browser.find_element(By.ID, "q").get_attribute("value") == "Kyiv"
    assert browser.find_element(By.CSS_SELECTOR, 'input[value="source:Reuters"]').is_selected()


def test_click_a_histogram_bar(browser: WebDriver, base: str) -> None:
    browser.get(base + "/?q=")
    caption = browser.find_element(By.ID, "histogram-caption").text
    assert caption.startswith("Matching articles per month, March 2024 to June 2024")
    bar = browser.find_element(By.CSS_SELECTOR, 'a.bar[aria-label="June 2024: 7 articles"]')
    bar.find_element(By.TAG_NAME, "rect").click()
    wait_for(browser, lambda d: "date_from" in params(d) and heading(d).startswith("7 articles"), "June")
    assert params(browser)["date_from"] == ["2024-06-01"] and params(browser)["date_to"] == ["2024-06-30"]
    # Within the month, by day; the date fields show the period chosen.
    assert browser.find_element(By.ID, "histogram-caption").text.startswith("Matching articles per day")
    assert browser.find_element(By.ID, "date_from").get_attribute("value") == "2024-06-01"
    # Bars are links: the keyboard reaches them too.
    assert browser.find_element(By.CSS_SELECTOR, 'a.bar[aria-label="3 June 2024: 1 article"]')


def test_a_document_holding_script_renders_as_text(browser: WebDriver, base: str) -> None:
    browser.get(base + "/?q=Beware")
    [title] = hit_titles(browser)
    assert title == f"Beware {EVIL} tricks"
    assert EVIL in browser.find_element(By.CSS_SELECTOR, ".hit .fragment").text
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    browser.find_element(By.CSS_SELECTOR, ".hit h3 a").click()
    wait_for(
        browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == f"Beware {EVIL} tricks", "the document"
    )
    assert "<img src=x onerror=alert(2)>" in browser.find_element(By.CSS_SELECTOR, ".text.body").text
    assert browser.find_elements(By.CSS_SELECTOR, "main script, main img") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018


def test_a_mistake_shows_the_message_with_the_query_kept(browser: WebDriver, base: str) -> None:
    browser.get(base + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys('"power grid', Keys.ENTER)
    alert = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), "the error message")
    assert "the query has an unclosed quote" in alert[0].text
    assert box.get_attribute("value") == '"power grid'


def test_without_javascript_forms_and_links_do_it_all(browser: WebDriver, base: str) -> None:
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(base + "/")
        # Each step loads a whole new page: the old document goes away.
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.ID, "q").send_keys("Sloviansk", Keys.ENTER)
        wait_for(browser, stale(old), "a page load for the search")
        assert "for “Sloviansk”" in heading(browser)
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.CSS_SELECTOR, 'input[value="source:BBC"]').click()
        browser.find_element(By.CSS_SELECTOR, "button.apply").click()
        wait_for(browser, stale(old), "a page load for the filter")
        assert params(browser).get("filter") == ["source:BBC"]
        assert hit_titles(browser) == ["Shelling in Slavyansk"]
        assert count_of(browser, "category", "war") == 1
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    violations: list[dict[str, Any]] = results["violations"]
    return violations


@pytest.mark.parametrize(
    "path",
    [
        "/?q=Sloviansk",
        "/?q=Kharkiv&limit=3&date_from=2024-06-01&date_to=2024-06-30",
        "/page/documents/slavyansk-tass",
    ],
    ids=["search", "paged-by-day", "document"],
)
def test_axe_finds_no_accessibility_violation(browser: WebDriver, base: str, path: str) -> None:
    browser.get(base + path)
    # Open the folded parts, so that their contents are checked too.
    for details in browser.find_elements(By.TAG_NAME, "details"):
        browser.execute_script("arguments[0].open = true", details)
    violations = axe_violations(browser)
    assert violations == [], Axe(browser).report(violations)


def test_the_page_needs_no_inline_code_its_policy_would_block(browser: WebDriver, base: str) -> None:
    browser.get(base + "/?q=Sloviansk")
    browser.find_element(By.CSS_SELECTOR, ".explain summary").click()
    # The stylesheet applied (no CSP refusal): the skip link sits off screen.
    left = browser.execute_script("return getComputedStyle(document.querySelector('.skip')).left")
    assert left == "-999px"
    assert [m for m in console_errors(browser) if re.search("Content.Security.Policy", m)] == []


@pytest.fixture(autouse=True)
def _fresh_page(browser: WebDriver) -> Iterator[None]:
    yield
    # Nothing a test typed or opened leaks into the next one.
    browser.get("about:blank")
    browser.get_log("browser")
