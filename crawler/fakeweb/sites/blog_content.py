"""The posts of the made-up blog "Riverside Notes" (original, fictional text for reftrail).

Each post cites news articles twice, as bloggers do: inline links in the text and a reference
list ("Last, First, "Title," Outlet, M/D/YY") with the URL. Some citations are dead on purpose:
one 404s, one host has no DNS, one refuses connections, one redirects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from crawler.fakeweb.sites import news_content as news
from crawler.fakeweb.sites.news import Article, Outlet
from crawler.fakeweb.sites.testbed import REFUSED_HOST, UNRESOLVABLE_HOST

BLOG_HOST = "riverside-notes.blogspot.com"
BLOG_TITLE = "Riverside Notes"
BLOG_AUTHOR = "June Abernathy"
TZ = timezone(timedelta(hours=-5))


@dataclass(frozen=True)
class Post:
    path: str
    title: str
    published: datetime
    labels: tuple[str, ...]
    paragraphs: tuple[str, ...]  # HTML
    references: tuple[tuple[str, str], ...]  # (reference text, URL)


def cite(article: Article, outlet: Outlet) -> tuple[str, str]:
    return article.citation(outlet.name), outlet.url(article.path)


def link(article: Article, outlet: Outlet, text: str) -> str:
    return f'<a href="{outlet.url(article.path)}">{text}</a>'


G, T = news.RIVERTON_GAZETTE, news.LAKESHORE_TRIBUNE
PARADE_URL = f"http://{UNRESOLVABLE_HOST}/2019/04/centennial-parade.html"
FLOOD_URL = f"http://{REFUSED_HOST}/archive/2011/flood-of-2011.html"
OLD_FERRY_URL = f"http://{G.host}/2025/11/ferry-schedule.html"


def _at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 30, tzinfo=TZ)


POSTS: tuple[Post, ...] = (
    Post(
        "/2026/03/the-river-walk-is-back.html",
        "The river walk is back",
        _at(2026, 3, 15),
        ("river", "parks"),
        (
            "I walked the whole loop this morning, both bridges and the long stretch under the "
            "willows, for the first time since the spring of 2024. The "
            + link(news.RIVER_WALK, G, "Gazette has the details")
            + " on the repairs: the new boardwalk sits higher, on concrete, and there are "
            "markers showing the old flood heights.",
            "What struck me most was the crowd. Retired mill workers, kids on scooters, a man "
            "with a very patient basset hound. It felt like the old centennial parade, which "
            'the short-lived <a href="' + PARADE_URL + '">Riverton Evening Star</a> covered '
            "so lovingly back then.",
            "If you go, start at the Mill Street steps and walk upstream; the morning light "
            "on the south bank is worth the early start.",
        ),
        (
            cite(news.RIVER_WALK, G),
            (
                'Pell, Harriet, "A Century of Riverton on Parade," Riverton Evening Star, 4/14/19',
                PARADE_URL,
            ),
        ),
    ),
    Post(
        "/2026/03/rust-on-the-mereden-bridge.html",
        "Rust on the Mereden Bridge",
        _at(2026, 3, 10),
        ("bridges", "lake"),
        (
            "The Tribune reports that inspectors found "
            + link(news.BRIDGE_INSPECTION, T, "corrosion on four supports")
            + " under the Mereden Bridge. Trucks over twenty tons now detour through Harlow.",
            "Longtime readers will remember the 2011 flood, when the narrows came within a few "
            "feet of the deck. The Gazette's <a href=\"" + FLOOD_URL + '">flood archive</a> '
            "used to have the photographs; I hope someone still has them.",
        ),
        (
            cite(news.BRIDGE_INSPECTION, T),
            (
                'Okafor, Margaret, "The Flood of 2011, Day by Day," Riverton Gazette, 5/2/11',
                FLOOD_URL,
            ),
        ),
    ),
    Post(
        "/2026/02/a-bigger-library.html",
        "A bigger library, finally",
        _at(2026, 2, 4),
        ("library", "council"),
        (
            "Monday's council meeting ran late, but the "
            + link(news.LIBRARY_ANNEX, G, "annex passed 5-2")
            + ". The old Fenwick Hardware building will hold study rooms, a maker space and, "
            "best of all, a proper archive for the local history room.",
            "I spent many Saturdays in Fenwick's as a child, buying exactly one screw at a "
            "time for my father. It seems right that the building will keep being useful.",
            "Council member Delgado's worry about surprises in the walls is fair. Let us "
            "hope the renovation budget has room for them.",
        ),
        (cite(news.LIBRARY_ANNEX, G),),
    ),
    Post(
        "/2026/01/music-stays-in-the-schools.html",
        "Music stays in the schools",
        _at(2026, 1, 29),
        ("schools",),
        (
            "Good news from the school board: the "
            + link(news.SCHOOL_BUDGET, T, "budget keeps the elementary music program")
            + ". The fourth grader who played violin during public comment may have done "
            "more than any of the speeches.",
            "The savings come from bus contracts and older computers staying in service a "
            "year longer. Voters get the final word in May.",
        ),
        (cite(news.SCHOOL_BUDGET, T),),
    ),
    Post(
        "/2026/01/the-footbridge-debate.html",
        "The footbridge debate",
        _at(2026, 1, 20),
        ("bridges", "history", "council"),
        (
            "Ruth Castellano makes the case in the Gazette to "
            + link(news.FOOTBRIDGE, G, "keep the old footbridge")
            + " at Weaver's Bend, and I find myself agreeing with nearly every line.",
            "The bridge was built in 1911 by the same foundry that cast the courthouse "
            "railings. Restoration estimates for similar bridges have come in below the cost "
            "of replacement. At the least, the council should ask.",
        ),
        (cite(news.FOOTBRIDGE, G),),
    ),
    Post(
        "/2025/12/waiting-for-the-ice.html",
        "Waiting for the ice",
        _at(2025, 12, 14),
        ("lake", "outdoors"),
        (
            "For the third winter running, the lake is still open in mid-December. The "
            "Tribune talked to the bait shops about an "
            + link(news.ICE_FISHING, T, "ice fishing season that keeps starting later")
            + ".",
            "It is not only the fishing. The "
            + link(news.GONE_MARINA, T, "marina expansion")
            + " planned last summer assumed a shorter open-water season, not a longer one.",
            "Please stay off the ice until the rangers say it is four inches thick.",
        ),
        (cite(news.ICE_FISHING, T), cite(news.GONE_MARINA, T)),
    ),
    Post(
        "/2025/11/fewer-evening-ferries.html",
        "Fewer evening ferries",
        _at(2025, 11, 22),
        ("ferry", "lake"),
        (
            "The ferry went to its winter timetable this week and the evening crossings are "
            "gone. The Gazette's <a href=\"" + OLD_FERRY_URL + '">story on the schedule</a> '
            "quotes a nurse facing a ninety-minute drive around the lake after late shifts.",
            "There is a listening session on December 3. If you ride the late boat, go and "
            "say so; the authority says it will bring back one crossing if enough riders "
            "commit.",
        ),
        ((news.FERRY.citation(G.name), OLD_FERRY_URL),),
    ),
    Post(
        "/2025/10/market-day-in-the-rain.html",
        "Market day in the rain",
        _at(2025, 10, 6),
        ("market", "community"),
        (
            "Six thousand people and sixty-two farms on Court Square, in the rain: the "
            + link(news.HARVEST_MARKET, G, "Harvest Market set a record")
            + " on Saturday. I came home with too many apples and no regrets.",
            "The shuttle from the east-side lots was a good idea. So was the children's "
            "tent, which let parents shop for squash in peace for a whole twenty minutes.",
        ),
        (cite(news.HARVEST_MARKET, G),),
    ),
)

BLOGROLL = (
    (G.name, G.url("/")),
    (T.name, T.url("/")),
)
