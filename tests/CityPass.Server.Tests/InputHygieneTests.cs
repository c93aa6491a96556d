using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Audit;
using CityPass.Server.Tests.Support;
using CityPass.Server.Validation;

namespace CityPass.Server.Tests;

/// <summary>Staff free text that reaches the audit log is printable text of bounded length, or it is refused and nothing changes.</summary>
/// <remarks>The tests share one app: each counts the audit entries it makes, and the changes they make are refused or none other reads.</remarks>
public abstract class InputHygieneTests(SharedApp shared)
{
    private CityPassApp App => shared.App;

    public static TheoryData<string, string> Unprintable() => new()
    {
        { "caseRef", "QA\n20\u0000" },
        { "caseRef", "SH-2026\r\n0001" },
        { "caseRef", "SH-\u202E1000-HS" },   // right-to-left override: reads differently than stored
        { "reason", "positive test\u0007" },
        { "reason", "line one\u2028line two" },
    };

    [Theory]
    [MemberData(nameof(Unprintable))]
    public async Task AStatusChangeWithUnprintableTextIsRefusedAndNothingIsAudited(string field, string value)
    {
        var authority = await App.StaffAsync("authority");
        var id = await App.CitizenIdAsync(Phones.ZhangGreen);
        var body = new Dictionary<string, string> { ["colour"] = "red", ["reason"] = "positive test", ["caseRef"] = await App.OpenCaseAsync() };
        var before = await AuditCountAsync();
        body[field] = value;

        var response = await authority.PutAsJsonAsync($"/v1/citizens/{id}/status", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(before, await AuditCountAsync());
        var status = (await authority.GetFromJsonAsync<JsonElement>($"/v1/citizens/{id}")).GetProperty("status").GetProperty("colour").GetString();
        Assert.Equal("green", status);
    }

    [Fact]
    public async Task ABulkChangeWithUnprintableTextChangesNoOne()
    {
        var authority = await App.StaffAsync("authority");
        var id = await App.CitizenIdAsync(Phones.ZhangGreen);
        var before = await AuditCountAsync();
        var response = await authority.PostAsJsonAsync("/v1/status-drafts", new { citizenIds = new[] { id }, colour = "red", reason = "x", caseRef = "QA\n20\u0000" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, await AuditCountAsync());
    }

    [Fact]
    public async Task OverlongTextIsRefused()
    {
        var authority = await App.StaffAsync("authority");
        var id = await App.CitizenIdAsync(Phones.ZhangGreen);
        var tooLongCase = await authority.PutAsJsonAsync($"/v1/citizens/{id}/status", new { colour = "red", reason = "x", caseRef = new string('C', 65) });
        var tooLongReason = await authority.PutAsJsonAsync($"/v1/citizens/{id}/status", new { colour = "red", reason = new string('r', 501), caseRef = "C-1" });
        Assert.Equal(HttpStatusCode.BadRequest, tooLongCase.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLongReason.StatusCode);
    }

    [Fact]
    public async Task PrintableTextInAnyScriptIsStoredAsTyped()
    {
        var authority = await App.StaffAsync("authority");
        var id = await App.CitizenIdAsync(Phones.LiYellow);
        // A return to green may name any reference, not only a case id: it is stored as typed.
        var response = await authority.PutAsJsonAsync($"/v1/citizens/{id}/status", new { colour = "green", reason = "密切接触者 — close contact 🧪", caseRef = "沪卫(2026)12号" });
        response.EnsureSuccessStatusCode();
        var entry = (await App.Get<IAuditLog>().QueryAsync(new AuditQuery(Subject: "citizen:" + id, Limit: 1), CancellationToken.None)).Single();
        Assert.Equal(("密切接触者 — close contact 🧪", "沪卫(2026)12号"), (entry.Reason, entry.CaseRef));
    }

    private async Task<int> AuditCountAsync() => (await App.Get<IAuditLog>().QueryAsync(new AuditQuery(Limit: 1000), CancellationToken.None)).Count;
}

public sealed class EmbeddedInputHygieneTests(SharedEmbeddedApp app) : InputHygieneTests(app), IClassFixture<SharedEmbeddedApp>;

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresInputHygieneTests(SharedRedisPostgresApp app) : InputHygieneTests(app), IClassFixture<SharedRedisPostgresApp>;

public sealed class FreeTextTests
{
    [Theory]
    [InlineData("SH-2026-0001", true)]
    [InlineData("沪卫(2026)12号", true)]
    [InlineData("emoji 🧪 ok", true)]
    [InlineData("tab\there", false)]
    [InlineData("nul\0", false)]
    [InlineData("zero\u200Bwidth", false)]
    [InlineData("\uE000 private use", false)]
    public void OnlyPrintableTextPasses(string text, bool printable) => Assert.Equal(printable, FreeText.IsPrintable(text));

    // Not as theory data: xunit's serialisation of test cases would turn a lone surrogate into U+FFFD.
    [Fact]
    public void UnpairedSurrogatesAreRefused()
    {
        Assert.False(FreeText.IsPrintable("lone \uDC00 low"));
        Assert.False(FreeText.IsPrintable("high at end \uD83E"));
        Assert.True(FreeText.IsPrintable("paired \uD83E\uDDEA"));
    }

    [Fact]
    public void BlankAndOverlongTextIsRefusedWithTheLimitNamed()
    {
        Assert.Contains("1 to 10", FreeText.Check("   ", 10, "A reason"), StringComparison.Ordinal);
        Assert.Contains("1 to 10", FreeText.Check(new string('x', 11), 10, "A reason"), StringComparison.Ordinal);
        Assert.Null(FreeText.Check("  ok  ", 10, "A reason"));
    }
}
