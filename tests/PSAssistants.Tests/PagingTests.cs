using System.Net;
using PSAssistants.Client;
using PSAssistants.Protocols;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>Cursor paging of every Assistants list: after=last_id while has_more, lazily, capped by First.</summary>
public class PagingTests
{
    [Fact]
    public async Task Three_pages_are_walked_with_after_last_id_until_has_more_is_false()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_1", "msg_2"))
               .EnqueueJson(Fixtures.MessagePage(true, "msg_3", "msg_4"))
               .EnqueueJson(Fixtures.MessagePage(false, "msg_5"));

        var items = await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions(), default));

        Assert.Equal(new[] { "msg_1", "msg_2", "msg_3", "msg_4", "msg_5" }, items.Select(m => m.Id));
        Assert.Equal(new[] { "text of msg_1", "text of msg_2", "text of msg_3", "text of msg_4", "text of msg_5" }, items.Select(m => m.Text));
        var r = handler.Requests;
        Assert.Equal(3, r.Count);
        Assert.All(r, x => Assert.Equal("/v1/threads/thread_abc/messages", x.Path));
        Assert.All(r, x => Assert.Equal("100", x.QueryValue("limit")));
        Assert.All(r, x => Assert.Equal("asc", x.QueryValue("order")));
        Assert.Null(r[0].QueryValue("after"));
        Assert.Equal("msg_2", r[1].QueryValue("after"));
        Assert.Equal("msg_4", r[2].QueryValue("after"));
        // One cursor per request, never two "after" pairs.
        Assert.All(r.Skip(1), x => Assert.Single(x.Query, p => p.Key == "after"));
    }

    [Fact]
    public async Task Runs_and_assistants_page_the_same_way()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Page(new[] { Fixtures.Run("run_1") }, new[] { "run_1" }, true))
               .EnqueueJson(Fixtures.Page(new[] { Fixtures.Run("run_2") }, new[] { "run_2" }, false))
               .EnqueueJson(Fixtures.Page(new[] { Fixtures.Assistant }, new[] { "asst_abc123" }, true))
               .EnqueueJson(Fixtures.Page(Array.Empty<string>(), Array.Empty<string>(), false));

        var runs = await T.ToListAsync(adapter.ListRunsAsync("thread_abc", new ListOptions(), default));
        var assistants = await T.ToListAsync(adapter.ListAssistantsAsync(new ListOptions(), default));

        Assert.Equal(new[] { "run_1", "run_2" }, runs.Select(x => x.Id));
        Assert.Equal("asst_abc123", Assert.Single(assistants).Id);
        var r = handler.Requests;
        Assert.Equal(4, r.Count);
        Assert.Equal("run_1", r[1].QueryValue("after"));
        Assert.Equal("/v1/assistants", r[3].Path);
        Assert.Equal("asst_abc123", r[3].QueryValue("after"));
    }

    [Fact]
    public async Task First_stops_early_and_asks_for_no_more_than_needed()
    {
        var (adapter, handler) = T.Adapter();
        // The server ignores the limit and answers two per page: First still caps the total.
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_1", "msg_2"))
               .EnqueueJson(Fixtures.MessagePage(true, "msg_3", "msg_4"));

        var items = await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions { First = 3 }, default));

        Assert.Equal(new[] { "msg_1", "msg_2", "msg_3" }, items.Select(m => m.Id));
        var r = handler.Requests;
        Assert.Equal(2, r.Count);
        Assert.All(r, x => Assert.Equal("3", x.QueryValue("limit")));
    }

    [Fact]
    public async Task First_equal_to_a_full_page_sends_no_second_request()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_1", "msg_2"));

        var items = await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions { First = 2 }, default));

        Assert.Equal(2, items.Count);
        Assert.Equal("2", Assert.Single(handler.Requests).QueryValue("limit"));
    }

    [Theory]
    [InlineData(1, "1")]
    [InlineData(99, "99")]
    [InlineData(100, "100")]
    [InlineData(150, "100")]
    [InlineData(null, "100")]
    public async Task Page_size_is_First_when_below_100_else_100(int? first, string limit)
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(false, "msg_1"));

        await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions { First = first }, default));

        Assert.Equal(limit, Assert.Single(handler.Requests).QueryValue("limit"));
    }

    [Fact]
    public async Task First_zero_sends_nothing()
    {
        var (adapter, handler) = T.Adapter();

        var items = await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions { First = 0 }, default));

        Assert.Empty(items);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task An_empty_page_stops_the_walk_even_if_has_more_says_true()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_1"))
               .EnqueueJson("""{"object":"list","data":[],"first_id":null,"last_id":"msg_1","has_more":true}""");

        var items = await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions(), default));

        Assert.Equal("msg_1", Assert.Single(items).Id);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task A_first_page_that_is_empty_gives_nothing_and_one_request()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""{"object":"list","data":[],"first_id":null,"last_id":null,"has_more":true}""");

        var items = await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions(), default));

        Assert.Empty(items);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_page_without_a_last_id_ends_the_walk_instead_of_repeating_the_first_page()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Page(new[] { Fixtures.Message("msg_1") }, new[] { "msg_1" }, hasMore: true, omitLastId: true));

        var items = await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions(), default));

        Assert.Single(items);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_page_with_null_data_is_an_empty_page()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""{"object":"list","data":null,"first_id":null,"last_id":null,"has_more":false}""");

        Assert.Empty(await T.ToListAsync(adapter.ListRunsAsync("thread_abc", new ListOptions(), default)));
    }

    [Fact]
    public async Task The_first_item_is_yielded_before_the_second_page_is_requested()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_1", "msg_2"))
               .EnqueueJson(Fixtures.MessagePage(false, "msg_3"));

        await using var e = adapter.ListMessagesAsync("thread_abc", null, new ListOptions(), default).GetAsyncEnumerator();

        Assert.Empty(handler.Requests); // nothing is sent before the first MoveNext
        Assert.True(await e.MoveNextAsync());
        Assert.Equal("msg_1", e.Current.Id);
        Assert.Single(handler.Requests);
        Assert.True(await e.MoveNextAsync());
        Assert.Equal("msg_2", e.Current.Id);
        Assert.Single(handler.Requests);
        Assert.True(await e.MoveNextAsync());
        Assert.Equal("msg_3", e.Current.Id);
        Assert.Equal(2, handler.Requests.Count);
        Assert.False(await e.MoveNextAsync());
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task Enumerating_the_same_list_twice_starts_from_the_beginning_both_times()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_1"))
               .EnqueueJson(Fixtures.MessagePage(false, "msg_2"))
               .EnqueueJson(Fixtures.MessagePage(true, "msg_1"))
               .EnqueueJson(Fixtures.MessagePage(false, "msg_2"));
        var list = adapter.ListMessagesAsync("thread_abc", null, new ListOptions(), default);

        var first = await T.ToListAsync(list);
        var second = await T.ToListAsync(list);

        Assert.Equal(new[] { "msg_1", "msg_2" }, first.Select(m => m.Id));
        // The query is shared by every enumeration: the second walk must not start after the first one's cursor.
        Assert.Null(handler.Requests[2].QueryValue("after"));
        Assert.Equal(new[] { "msg_1", "msg_2" }, second.Select(m => m.Id));
    }

    [Fact]
    public async Task Given_cursors_and_run_id_are_sent_on_the_first_request()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_7"))
               .EnqueueJson(Fixtures.MessagePage(false, "msg_8"));

        await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", "run_abc",
            new ListOptions { After = "msg_6", Order = "desc" }, default));

        var r = handler.Requests;
        Assert.Equal("msg_6", r[0].QueryValue("after"));
        Assert.Equal("desc", r[0].QueryValue("order"));
        Assert.Equal("run_abc", r[0].QueryValue("run_id"));
        Assert.Equal("msg_7", r[1].QueryValue("after"));
        Assert.Equal("run_abc", r[1].QueryValue("run_id"));
        Assert.Equal("desc", r[1].QueryValue("order"));
    }

    [Fact]
    public async Task Before_cursor_is_sent()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(false, "msg_1"));

        await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions { Before = "msg_9" }, default));

        Assert.Equal("msg_9", Assert.Single(handler.Requests).QueryValue("before"));
    }

    [Fact]
    public async Task An_error_on_a_later_page_surfaces_after_the_earlier_items()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 0));
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_1"))
               .EnqueueJson("""{"error":{"message":"No thread found with id 'thread_abc'.","type":"invalid_request_error","param":null,"code":null}}""",
                   HttpStatusCode.NotFound, ("x-request-id", "req_page2"));
        var seen = new List<string>();

        var ex = await Assert.ThrowsAsync<OaiApiException>(async () =>
        {
            await foreach (var m in adapter.ListMessagesAsync("thread_abc", null, new ListOptions(), default)) seen.Add(m.Id);
        });

        Assert.Equal(new[] { "msg_1" }, seen);
        Assert.Equal(OaiErrorKind.NotFound, ex.Kind);
        Assert.Equal("req_page2", ex.RequestId);
        Assert.Contains("after=msg_1", ex.Request);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task Cancelling_between_pages_stops_the_walk()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(true, "msg_1"))
               .EnqueueJson(Fixtures.MessagePage(false, "msg_2"));
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in adapter.ListMessagesAsync("thread_abc", null, new ListOptions(), cts.Token)) cts.Cancel();
        });

        Assert.Single(handler.Requests);
    }
}
