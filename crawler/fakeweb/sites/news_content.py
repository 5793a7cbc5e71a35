"""The stories of the made-up news outlets (original, fictional text written for reftrail).

Riverton, the Aldwater River and Lake Mereden do not exist; neither do the people quoted.
"""

from __future__ import annotations

from datetime import date

from crawler.fakeweb.sites.news import Article, Outlet

RIVER_WALK = Article(
    path="/news/2026/03/14/river-walk-reopens-after-flood-repairs.html",
    title="Aldwater River Walk Reopens After Two Years of Flood Repairs",
    author="Margaret Okafor",
    published=date(2026, 3, 14),
    section="Local",
    photo_caption="Walkers cross the rebuilt boardwalk below the Mill Street bridge on Saturday.",
    paragraphs=(
        "The Aldwater River Walk reopened to the public on Saturday morning, nearly two years "
        "after spring floods tore away a third of its boardwalk and left the lower path under "
        "a foot of silt.",
        "About two hundred residents gathered at the Mill Street steps for a short ceremony "
        "before walking the full two-mile loop. Many stopped to read the new markers that show "
        "how high the water rose in 1936, 1979 and 2024.",
        "City engineer Harold Vance said the rebuilt sections stand eighteen inches higher than "
        'before and rest on concrete piers rather than timber. "We built it to get wet," Vance '
        'said. "The next flood will pass underneath it instead of carrying it downstream."',
        "The repairs cost $3.1 million, most of it covered by a state resilience grant. The "
        "remainder came from the city's capital fund and a fundraising drive by the Friends of "
        "the Aldwater, which sold more than nine hundred engraved bricks for the new plaza.",
        "Parks director Elena Marsh said the lighting along the south bank will be finished in "
        "May, and that the walk will stay open from dawn until ten at night in the meantime.",
    ),
)

LIBRARY_ANNEX = Article(
    path="/news/2026/02/02/council-backs-library-annex.html",
    title="Council Backs Library Annex in 5-2 Vote",
    author="Daniel Hruska",
    published=date(2026, 2, 2),
    section="Politics",
    photo_caption="The vacant hardware store on Elm Street that would become the library annex.",
    paragraphs=(
        "The Riverton City Council voted 5-2 on Monday night to buy the former Fenwick Hardware "
        "building on Elm Street and turn it into an annex of the public library.",
        "Supporters said the main library on Court Square has run out of room for its "
        "children's programs and its growing collection of local history records. The annex "
        "would hold a maker space, study rooms and a climate-controlled archive.",
        "Council member Rosa Delgado, who voted against the purchase, said she supports the "
        'library but worries about the cost of renovating a century-old building. "Old '
        'buildings always have one more surprise in the walls," she said.',
        "The purchase price is $640,000. Library director Samuel Achterberg told the council "
        "that a community campaign has already pledged about a quarter of the estimated "
        "renovation cost.",
        "A public design meeting is planned for March at the main library.",
    ),
)

FERRY = Article(
    path="/news/2025/11/20/lake-ferry-winter-schedule.html",
    title="Lake Ferry Moves to Winter Schedule, Cutting Evening Crossings",
    author="Priya Raman",
    published=date(2025, 11, 20),
    section="Local",
    photo_caption="The ferry Margery Lane leaves the Riverton landing in November light.",
    paragraphs=(
        "The Lake Mereden ferry switched to its winter timetable this week, dropping the two "
        "evening crossings that commuters from the east shore have relied on since 2019.",
        "The ferry authority said ridership after six in the evening falls below a dozen "
        "passengers in the colder months, and that the savings will pay for an overhaul of the "
        "older of its two boats.",
        'Commuters were not persuaded. "The last boat now leaves at a quarter past five," said '
        'Nadia Forsythe, a nurse who works late shifts in Riverton. "That means a ninety-minute '
        'drive around the lake on icy roads."',
        "The authority will hold a listening session on December 3 and said it would consider "
        "a single late crossing on weekdays if enough riders commit to it.",
    ),
)

HARVEST_MARKET = Article(
    path="/news/2025/10/05/harvest-market-draws-record-crowd.html",
    title="Harvest Market Draws Record Crowd Despite Rain",
    author="Tom Ellery",
    published=date(2025, 10, 5),
    section="Community",
    photo_caption="Umbrellas crowd the cider stands on Court Square on Saturday.",
    paragraphs=(
        "Steady rain did not keep shoppers away from the Riverton Harvest Market on Saturday, "
        "where organisers counted more than six thousand visitors, the most in the market's "
        "forty-year history.",
        "Sixty-two farms and bakers set up under tents around Court Square. Several sold out "
        "of apples and squash before noon, and the line for hot cider stretched past the "
        "courthouse steps.",
        "Market manager Lydia Brandt credited a new shuttle from the east-side parking lots and "
        "a children's tent run by the high school's agriculture club.",
        "The winter market moves indoors to the armory on the first Saturday of December.",
    ),
)

FOOTBRIDGE = Article(
    path="/opinion/2026/01/18/keep-the-old-footbridge.html",
    title="Opinion: Keep the Old Footbridge",
    author="Ruth Castellano",
    published=date(2026, 1, 18),
    section="Opinion",
    photo_caption="The iron footbridge at Weaver's Bend, built in 1911.",
    paragraphs=(
        "Every town has a place where people stop without meaning to. In Riverton it is the "
        "iron footbridge at Weaver's Bend, and the city now proposes to replace it with a "
        "wider concrete span.",
        "I understand the argument. The old bridge is narrow, its deck needs work and it cannot "
        "carry a snowplow. But a bridge is not only a way across; it is a reason to linger, to "
        "watch the herons, to meet a neighbour halfway.",
        "Engineers who studied similar bridges upriver found that careful restoration can cost "
        "less than replacement and keep a structure safe for another century.",
        "Before the council votes in February, it should ask for a restoration estimate. We "
        "can always pour concrete later. We cannot pour back a hundred and fifteen years.",
    ),
)

BRIDGE_INSPECTION = Article(
    path="/2026/03/09/inspectors-flag-rust-on-mereden-bridge.html",
    title="State Inspectors Flag Rust on Mereden Bridge Supports",
    author="Alan Whitcombe",
    published=date(2026, 3, 9),
    section="Region",
    photo_caption="The Mereden Bridge carries Route 12 across the narrows.",
    paragraphs=(
        "State bridge inspectors have found corrosion on four of the steel supports beneath "
        "the Mereden Bridge and lowered the weight limit for trucks while repairs are planned.",
        "The bridge, which carries Route 12 across the narrows between Riverton and Lakeshore, "
        "remains open to cars and school buses. Trucks heavier than twenty tons must detour "
        "through Harlow, adding about twenty-five minutes.",
        "A spokesperson for the transportation department said the corrosion was found during "
        "a routine underwater inspection and that the bridge is safe under the new limit.",
        "Local businesses that depend on deliveries asked for a firm schedule. The department "
        "said repairs should begin in early summer and take about ten weeks.",
    ),
)

SCHOOL_BUDGET = Article(
    path="/2026/01/27/school-board-trims-budget-keeps-music.html",
    title="School Board Trims Budget but Keeps Music Program",
    author="Jolene Park",
    published=date(2026, 1, 27),
    section="Education",
    photo_caption="Students rehearse in the Lakeshore High School band room.",
    paragraphs=(
        "The Lakeshore and Riverton school board approved a budget on Tuesday that trims "
        "spending by 2.4 percent without cutting the elementary music program, which had been "
        "proposed for elimination in December.",
        "More than a hundred parents and students attended the meeting, many carrying "
        "instrument cases. A fourth grader played a short violin piece during public comment.",
        "Board chair Walter Quist said savings would come instead from renegotiated bus "
        "contracts and delaying the replacement of classroom computers by a year.",
        "The budget now goes to voters in May.",
    ),
)

ICE_FISHING = Article(
    path="/2025/12/12/ice-fishing-season-opens-late.html",
    title="Ice Fishing Season Opens Late as Lake Stays Open",
    author="Marcus Bell",
    published=date(2025, 12, 12),
    section="Outdoors",
    photo_caption="Open water at the north end of Lake Mereden in mid-December.",
    paragraphs=(
        "Lake Mereden had not frozen over by the middle of December for the third year in a "
        "row, delaying the start of the ice fishing season and worrying the bait shops that "
        "depend on it.",
        "Warden Clara Osei urged anglers to stay off the ice until it is at least four inches "
        "thick and to check conditions at the ranger station before heading out.",
        'Shop owner Gus Lindqvist said winter sales have fallen by a third since 2022. "We '
        'used to sell augers at Thanksgiving," he said. "Now we sell them in January, if '
        'at all."',
        "Forecasters expect a colder stretch after Christmas that could bring safe ice by "
        "the first week of January.",
    ),
)

RIVERTON_GAZETTE = Outlet(
    name="Riverton Gazette",
    host="www.riverton-gazette.com",
    scheme="http",
    tagline="News of Riverton and the Aldwater valley since 1887",
    sections=("Local", "Politics", "Community", "Opinion"),
    articles=(RIVER_WALK, LIBRARY_ANNEX, FERRY, HARVEST_MARKET, FOOTBRIDGE),
    accent=(128, 24, 32),
)

LAKESHORE_TRIBUNE = Outlet(
    name="Lakeshore Tribune",
    host="news.lakeshore-tribune.com",
    scheme="https",
    tagline="Lake Mereden's daily newspaper",
    sections=("Region", "Education", "Outdoors"),
    articles=(BRIDGE_INSPECTION, SCHOOL_BUDGET, ICE_FISHING),
    accent=(20, 70, 120),
)

# Cited by the blog but no longer served (the Tribune answers 404).
GONE_MARINA = Article(
    path="/2025/06/30/marina-expansion-plans-unveiled.html",
    title="Marina Expansion Plans Unveiled at Packed Meeting",
    author="Alan Whitcombe",
    published=date(2025, 6, 30),
    section="Region",
    paragraphs=("(removed)",),
)
