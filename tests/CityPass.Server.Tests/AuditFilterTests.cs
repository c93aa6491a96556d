using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>The audit log by case and by citizen: through the API and on the console's page.</summary>
public abstract class AuditFilterTests(StoreMode mode) : AppTest(mode)
{
    [Fact]
    public async Task EntriesAreFoundByTheirCaseAndByTheirCitizen()
    {
        var authority = await App.StaffAsync("authority");
        var caseId = await App.OpenCaseAsync();
        var zhang = await App.CitizenIdAsync(Phones.ZhangGreen);
        var john = await App.CitizenIdAsync(Phones.JohnGreen);
        (await authority.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour = "red", reason = "Positive test", caseRef = caseId })).EnsureSuccessStatusCode();
        (await authority.PutAsJsonAsync($"/v1/citizens/{john}/status", new { colour = "green", reason = "Cleared", caseRef = "LAB-7" })).EnsureSuccessStatusCode();

        var byCase = (await authority.GetFromJsonAsync<JsonElement[]>($"/v1/audit?caseRef={caseId}"))!;
        Assert.Equal(["citizen.status.change", "case.open"], byCase.Select(e => e.GetProperty("action").GetString()));
        Assert.All(byCase, e => Assert.Equal(caseId, e.GetProperty("caseRef").GetString()));

        var console = await App.ConsoleAsync("authority");
        // The console finds a case typed in lower case, and links it.
        var page = await console.Http.GetStringAsync($"/admin/audit?caseRef={caseId.ToLowerInvariant()}");
        Assert.Contains($"<a href=\"/admin/cases/{caseId}\">{caseId}</a>", page, StringComparison.Ordinal);
        Assert.Contains($"citizen:{zhang}", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"citizen:{john}", page, StringComparison.Ordinal);
        var byCitizen = await console.Http.GetStringAsync($"/admin/audit?citizen={john}");
        Assert.Contains("LAB-7", byCitizen, StringComparison.Ordinal);
        Assert.DoesNotContain($"citizen:{zhang}", byCitizen, StringComparison.Ordinal);
    }
}

public sealed class EmbeddedAuditFilterTests() : AuditFilterTests(StoreMode.Embedded);

/// <summary>The same test on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresAuditFilterTests() : AuditFilterTests(StoreMode.RedisAndPostgres);
