using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Server.Auth;
using CityPass.Server.Authority;
using CityPass.Server.Operators;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

public abstract class ImportTests(StoreMode mode) : AppTest(mode)
{
    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    private static string Rows(int count, int start = 0) =>
        "externalId,phone,fullName,credentials\n" + string.Concat(Enumerable.Range(start, count).Select(i => $"EXT-{i},+86139{i:D8},Citizen {i},health_record;eid_verified\n"));

    [Fact]
    public async Task ACsvImportInManyBatchesIsIdempotentOnExternalId()
    {
        var authority = await App.StaffAsync("authority");
        var first = await (await authority.PostAsync("/v1/citizens/import", Csv(Rows(2500)))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2500, 2500, 0), (first.GetProperty("rows").GetInt32(), first.GetProperty("created").GetInt32(), first.GetProperty("rejected").GetInt32()));

        var again = await (await authority.PostAsync("/v1/citizens/import", Csv(Rows(2500)))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((0, 2500), (again.GetProperty("created").GetInt32(), again.GetProperty("unchanged").GetInt32()));

        var found = await authority.GetFromJsonAsync<JsonElement>("/v1/citizens?externalId=EXT-1234");
        Assert.Equal(("Citizen 1234", "+8613900001234"), (found.GetProperty("fullName").GetString(), found.GetProperty("phone").GetString()));
        Assert.Equal(["health_record", "eid_verified"], found.GetProperty("credentials").EnumerateArray().Select(c => c.GetString()));

        // An imported citizen can sign in and enter straight away: the hot copy was pushed.
        var citizen = await App.SignInCitizenAsync("+8613900001234");
        Assert.Equal("allowed", (await App.Gate("上海图书馆").DecideAsync(await citizen.PassTextAsync())).Code);
    }

    [Fact]
    public async Task EachBadRowIsReportedWithItsLineAndTheRestIsImported()
    {
        var authority = await App.StaffAsync("authority");
        const string csv = "externalId,phone,fullName,credentials\n" +
                           "A-1,+8613700000001,\"Wang, Xiao\",health_record\n" +
                           ",+8613700000002,No Id,\n" +
                           "A-3,not a phone,Bad Phone,\n" +
                           "A-4,+8613700000004,Bad Credential,passport\n" +
                           "A-5,+8613800000001,Phone Of Zhang,\n" +
                           "A-6,+8613700000006,\"Quote \"\"Q\"\" Name\",\n";
        var report = await (await authority.PostAsync("/v1/citizens/import", Csv(csv))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((6, 2, 4), (report.GetProperty("rows").GetInt32(), report.GetProperty("created").GetInt32(), report.GetProperty("rejected").GetInt32()));
        var errors = report.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(3L, "externalId"), (4L, "phone"), (5L, "credentials"), (6L, "phone")], errors.OrderBy(e => e.Item1));
        var quoted = await authority.GetFromJsonAsync<JsonElement>("/v1/citizens?externalId=A-6");
        Assert.Equal("Quote \"Q\" Name", quoted.GetProperty("fullName").GetString());
        Assert.Equal("Wang, Xiao", (await authority.GetFromJsonAsync<JsonElement>("/v1/citizens?externalId=A-1")).GetProperty("fullName").GetString());
    }

    [Fact]
    public async Task LinesAreCountedInTheFileIncludingLineBreaksInsideQuotes()
    {
        var authority = await App.StaffAsync("authority");
        const string csv = "externalId,phone,fullName,credentials\r\n" +
                           "L-1,+8613500000001,\"Two\r\nLines\",\r\n" +
                           "L-2,not a phone,Bad,\r\n" +
                           "\r\n" +
                           "L-4,+8613500000004,\"Three\nLines\nHere\",\n" +
                           ",+8613500000005,No Id,\n";
        var report = await (await authority.PostAsync("/v1/citizens/import", Csv(csv))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((4, 2, 2), (report.GetProperty("rows").GetInt32(), report.GetProperty("created").GetInt32(), report.GetProperty("rejected").GetInt32()));
        var errors = report.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(4L, "phone"), (9L, "externalId")], errors.OrderBy(e => e.Item1));
        Assert.Equal("Two\r\nLines", (await authority.GetFromJsonAsync<JsonElement>("/v1/citizens?externalId=L-1")).GetProperty("fullName").GetString());
    }

    [Fact]
    public async Task AnUnclosedQuoteStopsTheImportAtItsLineAndKeepsTheRowsBefore()
    {
        var authority = await App.StaffAsync("authority");
        const string csv = "externalId,phone,fullName,credentials\n" +
                           "U-1,+8613400000001,Before,\n" +
                           "U-2,+8613400000002,\"Never closed,\n" +
                           "U-3,+8613400000003,Swallowed,\n";
        var report = await (await authority.PostAsync("/v1/citizens/import", Csv(csv))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 1), (report.GetProperty("created").GetInt32(), report.GetProperty("rejected").GetInt32()));
        Assert.StartsWith("Line 3: a quoted field is not closed.", report.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await authority.GetAsync("/v1/citizens?externalId=U-3")).StatusCode);
    }

    [Fact]
    public async Task AnOverlongRecordStopsTheImportAtItsLine()
    {
        var authority = await App.StaffAsync("authority");
        var csv = "externalId,phone,fullName,credentials\n" +
                  "O-1,+8613300000001,Before,\n" +
                  $"O-2,+8613300000002,\"{new string('x', 5_000)}\",\n" +
                  "O-3,+8613300000003,After,\n";
        var report = await (await authority.PostAsync("/v1/citizens/import", Csv(csv))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 1), (report.GetProperty("created").GetInt32(), report.GetProperty("rejected").GetInt32()));
        Assert.StartsWith("Line 3: ", report.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task ACsvArrivingInPiecesOfAnySizeReadsTheSame(int piece)
    {
        // Split points fall inside quotes, between CR and LF and inside the UTF-8 bytes of a name.
        const string csv = "\uFEFFexternalId,phone,fullName,credentials\r\n" +
                           "P-1,+8613200000001,\"赵, \"\"六\"\"\r\n 钱七\",health_record|eid_verified\r\n" +
                           "P-2,+8613200000002,孙八\r\n" +
                           "P-3,bad,李九,\r\n";
        var scope = new AccessScope(Guid.NewGuid(), "test", OperatorRole.HealthAuthority, new HashSet<Guid>());
        using var body = new Pieces(Encoding.UTF8.GetBytes(csv), piece);
        var outcome = await App.Get<CitizenImportService>().ImportAsync(scope, body, "csv", CancellationToken.None);
        var report = outcome.Value!;
        Assert.Equal((3L, 1), (report.Rows, report.Rejected));
        Assert.Equal(new ImportRowError(5, "P-3", "phone", report.Errors[0].Message), Assert.Single(report.Errors));
        var authority = await App.StaffAsync("authority");
        var first = await authority.GetFromJsonAsync<JsonElement>("/v1/citizens?externalId=P-1");
        Assert.Equal("赵, \"六\"\r\n 钱七", first.GetProperty("fullName").GetString());
        Assert.Equal(["health_record", "eid_verified"], first.GetProperty("credentials").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("孙八", (await authority.GetFromJsonAsync<JsonElement>("/v1/citizens?externalId=P-2")).GetProperty("fullName").GetString());
    }

    /// <summary>A request body that hands out at most a few bytes per read, as a slow upload does.</summary>
    private sealed class Pieces(byte[] data, int piece) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, piece));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, piece)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, piece), cancellationToken);
    }

    [Fact]
    public async Task ABirthYearIsImportedFromCsvAndNdjsonAndABadOneNamesTheField()
    {
        var authority = await App.StaffAsync("authority");
        var thisYear = App.Clock.GetUtcNow().Year;
        var csv = "externalId,phone,fullName,credentials,birthYear\n" +
                  "B-1,+8613500000001,Born Once,,1988\n" +
                  "B-2,+8613500000002,No Year,,\n" +
                  "B-3,+8613500000003,Bad Year,,nineteen\n" +
                  $"B-4,+8613500000004,Future,,{thisYear + 1}\n" +
                  "B-5,+8613500000005,Too Old,,1899\n";
        var report = await (await authority.PostAsync("/v1/citizens/import", Csv(csv))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((5, 2, 3), (report.GetProperty("rows").GetInt32(), report.GetProperty("created").GetInt32(), report.GetProperty("rejected").GetInt32()));
        Assert.Equal([(4L, "birthYear"), (5L, "birthYear"), (6L, "birthYear")],
            report.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("field").GetString())).OrderBy(e => e.Item1));
        const string ndjson = "{\"externalId\":\"B-6\",\"phone\":\"+8613500000006\",\"fullName\":\"孙八\",\"birthYear\":1950}\n";
        await authority.PostAsync("/v1/citizens/import", new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));

        var store = App.Get<CityPass.Server.Citizens.ICitizenStore>();
        Assert.Equal(1988, (await store.FindByExternalIdAsync("B-1", CancellationToken.None))!.BirthYear);
        Assert.Null((await store.FindByExternalIdAsync("B-2", CancellationToken.None))!.BirthYear);
        Assert.Null(await store.FindByExternalIdAsync("B-3", CancellationToken.None));
        Assert.Equal(1950, (await store.FindByExternalIdAsync("B-6", CancellationToken.None))!.BirthYear);
    }

    [Fact]
    public async Task NdjsonImportsToo()
    {
        var authority = await App.StaffAsync("authority");
        const string ndjson = "{\"externalId\":\"N-1\",\"phone\":\"+8613600000001\",\"fullName\":\"赵六\",\"credentials\":[\"social_security_card\"]}\n" +
                              "{not json}\n" +
                              "{\"externalId\":\"N-2\",\"phone\":\"+8613600000002\",\"fullName\":\"钱七\"}\n";
        var response = await authority.PostAsync("/v1/citizens/import", new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((3, 2, 1), (report.GetProperty("rows").GetInt32(), report.GetProperty("created").GetInt32(), report.GetProperty("rejected").GetInt32()));
        Assert.Equal(2, report.GetProperty("errors")[0].GetProperty("line").GetInt64());
    }

    [Fact]
    public async Task AFileWithoutTheRequiredColumnsIsRefused()
    {
        var authority = await App.StaffAsync("authority");
        var report = await (await authority.PostAsync("/v1/citizens/import", Csv("name,mobile\nx,y\n"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, report.GetProperty("created").GetInt32());
        Assert.Contains("externalid", report.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheConsoleImportPageStreamsTheBodyIntoTheSameServiceAndOnlyItTakesALargeBody()
    {
        var console = await App.ConsoleAsync("authority");
        // Some 100 KB: over the 64 KiB every other console page takes.
        var csv = Rows(2000, start: 500_000) + "C-BAD,not a phone,Bad Phone,\n";
        Assert.True(Encoding.UTF8.GetByteCount(csv) > 64 * 1024);

        var response = await console.PostBodyAsync("/admin/import", "Upload", Csv(csv));
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        Assert.Contains("data-count=\"rows\" data-value=\"2001\"", html, StringComparison.Ordinal);
        Assert.Contains("data-count=\"created\" data-value=\"2000\"", html, StringComparison.Ordinal);
        Assert.Contains("data-line=\"2002\"", html, StringComparison.Ordinal);
        var found = await (await App.StaffAsync("authority")).GetFromJsonAsync<JsonElement>("/v1/citizens?externalId=EXT-501999");
        Assert.Equal("Citizen 501999", found.GetProperty("fullName").GetString());

        // The same size elsewhere in the console is refused before anything reads it.
        var elsewhere = await console.PostFormAsync("/admin/cases", "Open", ("type", "confirmed_infection"), ("legalBasis", "x"), ("notes", new string('x', 100_000)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, elsewhere.StatusCode);

        // A file of another type is refused in words, with the API's code.
        var wrong = await console.PostBodyAsync("/admin/import", "Upload", new StringContent("hello", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrong.StatusCode);
        Assert.Contains("data-code=\"unsupported_media_type\"", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var misnamed = await console.PostFileAsync("/admin/import", "Upload", "file", "citizens.xlsx", [1, 2, 3], "application/vnd.ms-excel");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, misnamed.StatusCode);
    }

    [Fact]
    public async Task ABulkChangeOfTheMostIdsAllowedIsReadAndAnsweredPerId()
    {
        // 10,000 ids are some 360 KB of JSON: over the default body limit, within the draft route's own.
        var ids = Enumerable.Range(0, CityPass.Server.Authority.StatusDraftService.MaxCitizens).Select(_ => CityPass.Core.Citizens.CitizenPseudonym.NewRandom().ToString()).ToList();
        ids[^1] = await App.CitizenIdAsync(Phones.JohnGreen);

        var draft = await App.BulkChangeAsync(ids, "yellow", "Same flight", await App.OpenCaseAsync("close_contact_investigation"));

        Assert.Equal((ids.Count, ids.Count), (draft.GetProperty("citizens").GetInt32(), draft.GetProperty("done").GetInt32()));
        Assert.Equal((1, ids.Count - 1), (draft.GetProperty("results").GetProperty("changed").GetInt32(), draft.GetProperty("results").GetProperty("not_found").GetInt32()));
        var authority = await App.StaffAsync("authority");
        var results = new Dictionary<string, string>();
        for (string? after = null; ;)
        {
            var page = await authority.GetFromJsonAsync<JsonElement>($"/v1/status-drafts/{draft.GetProperty("id").GetString()}/results?limit=1000{(after is null ? "" : "&after=" + after)}");
            foreach (var item in page.GetProperty("items").EnumerateArray()) results.Add(item.GetProperty("citizenId").GetString()!, item.GetProperty("result").GetString()!);
            if (page.GetProperty("nextAfter").GetString() is not { } next) break;
            after = next;
        }
        Assert.Equal(ids.Order(StringComparer.Ordinal), results.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("changed", results[ids[^1]]);
    }

    [Fact]
    public async Task ABulkStatusChangeIsAuditedPerCitizen()
    {
        var authority = await App.StaffAsync("authority");
        var ids = new[] { await App.CitizenIdAsync(Phones.ZhangGreen), await App.CitizenIdAsync(Phones.JohnGreen), "ffffffffffffffffffffffffffffffff" };
        var flight = await App.OpenCaseAsync("close_contact_investigation");
        var draft = await App.BulkChangeAsync(ids, "yellow", "Same flight", flight);
        var result = draft.GetProperty("results");
        Assert.Equal((2, 1), (result.GetProperty("changed").GetInt32(), result.GetProperty("not_found").GetInt32()));
        foreach (var id in ids[..2])
        {
            var audit = await authority.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=citizen:{id}&limit=1");
            Assert.Equal(flight, audit[0].GetProperty("caseRef").GetString());
        }
        var chain = await authority.GetFromJsonAsync<JsonElement>("/v1/audit/verify");
        Assert.True(chain.GetProperty("intact").GetBoolean());
        Assert.True(chain.GetProperty("entries").GetInt64() >= 4);
        Assert.Equal("status_not_allowed", (await App.Gate("上海图书馆").DecideAsync(await (await App.SignInCitizenAsync(Phones.JohnGreen)).PassTextAsync())).Code);
    }
}

public sealed class EmbeddedImportTests() : ImportTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresImportTests() : ImportTests(StoreMode.RedisAndPostgres);
