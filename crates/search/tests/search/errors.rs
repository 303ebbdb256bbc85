//! Every search error message (SEARCH-DECISIONS.md "Errors").

use crate::error;

#[test]
fn unknown_column_suggests_close_names() {
    assert_eq!(
        error("[revnue] by [region]"),
        "Search did not find \"revnue\" in your data or metadata. Did you mean: Revenue?"
    );
    assert_eq!(
        error("[Revenue] [regoin]"),
        "Search did not find \"regoin\" in your data or metadata. Did you mean: Region?"
    );
    assert_eq!(
        error("[Revenue] [date]"),
        "Search did not find \"date\" in your data or metadata. Did you mean: Commit Date, Order Date?"
    );
    // Synonyms suggest the display name.
    assert_eq!(
        error("[Revenue] [segmnt]"),
        "Search did not find \"segmnt\" in your data or metadata. Did you mean: Customer Segment?"
    );
}

#[test]
fn unknown_column_suggests_at_most_three_names() {
    let message = error("[Revenue] [customer]");
    assert_eq!(
        message,
        "Search did not find \"customer\" in your data or metadata. Did you mean: Customer Name, Customer Segment?"
    );
    let message = error("[e]");
    let suggestions = message
        .split("Did you mean: ")
        .nth(1)
        .expect("suggestions")
        .trim_end_matches('?');
    assert_eq!(suggestions.split(", ").count(), 3, "{message}");
}

#[test]
fn unknown_column_without_close_names() {
    assert_eq!(
        error("[Revenue] [xyzzy]"),
        "Search did not find \"xyzzy\" in your data or metadata."
    );
    assert_eq!(
        error("[]"),
        "Search did not find \"\" in your data or metadata."
    );
}

#[test]
fn unknown_keywords_and_stray_tokens_name_their_position() {
    assert_eq!(
        error("[ship mode] foo"),
        "Search did not find \"foo\" in your data or metadata (at character 12)."
    );
    assert_eq!(
        error("[Revenue] by [Region] sorted"),
        "Search did not find \"sorted\" in your data or metadata (at character 22)."
    );
    assert_eq!(
        error("[Revenue] 42"),
        "Search did not find \"42\" in your data or metadata (at character 10)."
    );
    assert_eq!(
        error("[Revenue] ascending"),
        "Search did not find \"ascending\" in your data or metadata (at character 10)."
    );
    assert_eq!(
        error("[Revenue] [Region] = 'east"),
        "Search did not find \"'east\" in your data or metadata (at character 21)."
    );
    assert_eq!(
        error("[Revenue] {nil}"),
        "Search did not find \"{nil}\" in your data or metadata (at character 10)."
    );
}

#[test]
fn empty_query() {
    for query in ["", "  ", ",", " , \t\n"] {
        assert_eq!(error(query), "Cannot create Answer from empty query");
    }
}

#[test]
fn bad_values_for_the_column_type() {
    assert_eq!(
        error("[Region] [Unit Price] = 'abc'"),
        "Invalid value \"abc\" for column \"Unit Price\": expected a number"
    );
    assert_eq!(
        error("[Region] [Revenue] > 'lots'"),
        "Invalid value \"lots\" for column \"Total Revenue\": expected a number"
    );
    assert_eq!(
        error("[Revenue] [Order Date].'day of week' = 9"),
        "Invalid value \"9\" for column \"Day of week(Order Date)\": expected a day of the week from 1 (Monday) to 7 (Sunday)"
    );
    assert_eq!(
        error("[Revenue] [Order Date].'month of year' = 13"),
        "Invalid value \"13\" for column \"Month of year(Order Date)\": expected a month from 1 (January) to 12 (December)"
    );
    assert_eq!(
        error("[Revenue] [Order Date].'day of month' = 0"),
        "Invalid value \"0\" for column \"Day of month(Order Date)\": expected a whole number from 1 to 31"
    );
    assert_eq!(
        error("[Revenue] [Order Date] = 'someday'"),
        "Invalid value \"someday\" for column \"Order Date\": expected a date such as '01/15/2024', a year such as '2024' or a date keyword such as 'last 7 days'"
    );
    assert_eq!(
        error("[Revenue] [Ship Time] = '13/45/2024'"),
        "Invalid value \"13/45/2024\" for column \"Ship Time\": expected a date such as '01/15/2024', a date and time such as '01/15/2024 13:30', a year such as '2024' or a date keyword such as 'last 7 days'"
    );
    assert_eq!(
        error("[Revenue] [Order Date] = '01/15/2024 10:00'"),
        "Invalid value \"01/15/2024 10:00\" for column \"Order Date\": expected a date without a time of day, e.g. '01/15/2024'"
    );
    assert_eq!(
        error("[Revenue] [Is Returned] = 'maybe'"),
        "Invalid value \"maybe\" for column \"Is Returned\": expected true or false"
    );
    assert_eq!(
        error("[Revenue] [Region] = today"),
        "Invalid value \"today\" for column \"Region\": expected quoted text, e.g. 'air'"
    );
    assert_eq!(
        error("[Revenue] [Order Number] = true"),
        "Invalid value \"true\" for column \"Order Number\": expected a number"
    );
    assert_eq!(
        error("[Revenue] [Region] > {null}"),
        "Invalid value \"{null}\" for column \"Region\": expected a value that can be compared with \">\" ({null} and {empty} work only with = and !=)"
    );
    assert!(
        error("[Revenue] [Order Date] = 'last 1000000 years'")
            .starts_with("Invalid value \"last 1000000 years\"")
    );
}

#[test]
fn malformed_date_keywords_name_their_position() {
    assert_eq!(
        error("[Revenue] [Order Date] = 'last 0 days'"),
        "Search expected a whole number of periods (1 or more) after \"last\" (at character 31) but found \"0\""
    );
    assert_eq!(
        error("[Revenue] [Order Date] = 'last fortnight'"),
        "Search expected a period: day, week, month, quarter or year after \"last\" (at character 31) but found \"fortnight\""
    );
    assert_eq!(
        error("[Revenue] [Order Date].last"),
        "Search expected a period: day, week, month, quarter or year after \"last\" (at character 27) but found the end of the value"
    );
}

#[test]
fn ranking_without_a_measure() {
    assert_eq!(
        error("top 5 [Region]"),
        "\"top\" (at character 0) needs a measure to rank by: add a measure such as [Revenue] to the search, or name the ranking column with \"top n by [column]\""
    );
    assert_eq!(
        error("[Region] [Customer Name] Bottom"),
        "\"Bottom\" (at character 25) needs a measure to rank by: add a measure such as [Revenue] to the search, or name the ranking column with \"Bottom n by [column]\""
    );
    // `by` not right after `top n` groups by the measure, so there is still no measure.
    assert!(error("top 1 [Customer Name] by [Revenue]").contains("needs a measure to rank by"));
}

#[test]
fn tier_two_constructs_are_not_supported_yet() {
    for (query, token, position) in [
        ("growth of [Revenue] by [Order Date]", "growth of", 0),
        (
            "[Revenue] [Order Date].yearly year-over-year",
            "year-over-year",
            30,
        ),
        ("[Revenue] [Region] = 'east' vs [Region] = 'west'", "vs", 28),
        (
            "[Revenue] [Region] = 'east' versus [Region] = 'west'",
            "versus",
            28,
        ),
        ("[Revenue] [Region] = 'asia' vs all", "vs", 28),
        ("[Region] in ( top 10 [Region] [Revenue] )", "in", 9),
        ("[Region] not in ( [Region] )", "not in", 9),
        (
            "top 10 [Region] [Revenue] ranked by [Revenue]",
            "ranked by",
            26,
        ),
        ("[Revenue] by [Order Date] calendar.fiscal", "calendar", 26),
        (
            "[Revenue] by [Order Date] calendar.'my calendar'",
            "calendar",
            26,
        ),
        ("[Revenue] for [Region] = 'east'", "for", 10),
        ("[Revenue] [Region] = 'a' or 'b'", "or", 25),
        ("[Revenue] [Ship Time] = 'last 5 hours'", "hours", 32),
        ("[Revenue] [Ship Time] = tomorrow", "tomorrow", 24),
    ] {
        assert_eq!(
            error(query),
            format!("\"{token}\" (at character {position}) is not supported yet"),
            "{query}"
        );
    }
}

#[test]
fn unbound_date_keywords_must_be_bound() {
    assert_eq!(
        error("[Revenue] monthly"),
        "\"monthly\" (at character 10) must be bound to a date column with a dot, e.g. [Order Date].'monthly'"
    );
    assert_eq!(
        error("[Revenue] last year"),
        "\"last year\" (at character 10) must be bound to a date column with a dot, e.g. [Order Date].'last year'"
    );
}

#[test]
fn aggregations_that_do_not_fit_the_type() {
    assert_eq!(
        error("sum [Region]"),
        "Cannot compute \"sum\" of column \"Region\": it is a VARCHAR column"
    );
    assert_eq!(
        error("average [Order Date]"),
        "Cannot compute \"average\" of column \"Order Date\": it is a DATE column"
    );
    assert_eq!(
        error("[Region] standard deviation [Is Returned] > 1"),
        "Cannot compute \"standard deviation\" of column \"Is Returned\": it is a BOOL column"
    );
}

#[test]
fn columns_used_in_ways_their_type_does_not_allow() {
    assert_eq!(
        error("[Revenue] [Order Date].hourly"),
        "Column \"Order Date\" cannot be used this way: the date bucket \"hourly\" needs a DATE_TIME column, and this is a DATE column"
    );
    assert_eq!(
        error("[Revenue] [Unit Price] contains '5'"),
        "Column \"Unit Price\" cannot be used this way: \"contains\" works only on text columns"
    );
    assert_eq!(
        error("[Revenue] [Order Date].monthly = '2024'"),
        "Column \"Order Date\" cannot be used this way: a filter cannot compare the \"monthly\" bucket; filter on the column itself, e.g. [Order Date] = 'this year'"
    );
    assert_eq!(
        error("[Revenue] [Region] = [Ship Mode].air"),
        "Column \"Region\" cannot be used this way: it cannot be compared with a value bound to another column ([Ship Mode])"
    );
    assert_eq!(
        error("[Revenue] [Region].east = 'west'"),
        "Column \"Region\" cannot be used this way: the bound value \"east\" is already a filter and cannot be followed by an operator"
    );
    assert_eq!(
        error("[Revenue] sort by [Region].east"),
        "Column \"Region\" cannot be used this way: \"east\" is a value, not a date bucket, and a value cannot be used here"
    );
    assert_eq!(
        error("[Revenue] [Region] top 2 for each sum [Quantity]"),
        "Column \"Quantity\" cannot be used this way: \"for each\" needs a column to group by, not an aggregate"
    );
    assert_eq!(
        error("count [Order Date].monthly"),
        "Column \"Order Date\" cannot be used this way: the aggregation \"count\" cannot be combined with a date bucket"
    );
}

#[test]
fn only_one_top_or_bottom() {
    assert_eq!(
        error("top 5 [Revenue] [Region] bottom 2"),
        "\"bottom\" (at character 25) can appear only once in a search"
    );
}

#[test]
fn searches_with_only_filters() {
    assert_eq!(
        error("[Region] = 'east'"),
        "The search has no columns to show: every column in it is only used in a filter. Add a column such as [Revenue]"
    );
    assert!(
        error("[Region].east [Order Date] = 'today'")
            .starts_with("The search has no columns to show")
    );
}

#[test]
fn incomplete_phrases() {
    assert_eq!(
        error("[Revenue] [Region] ="),
        "Search expected a value after \"=\" (at character 20) but found the end of the search"
    );
    assert_eq!(
        error("[Revenue] by"),
        "Search expected a column in brackets, e.g. [Revenue] after \"by\" (at character 12) but found the end of the search"
    );
    assert_eq!(
        error("[Revenue] sort by top"),
        "Search expected a column in brackets, e.g. [Revenue] after \"sort by\" (at character 18) but found \"top\""
    );
    assert_eq!(
        error("[Revenue] [Unit Price] between 1 2"),
        "Search expected \"and\" and a second value after \"1\" (at character 33) but found \"2\""
    );
}
