using CityPass.Server.Admin;
using CityPass.Server.Scans;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace CityPass.Server.Pages.Admin.Venues;

/// <summary>A venue's scan log: filters, keyset paging, and the CSV export the API streams too.</summary>
public sealed class ScansModel(VenueService venues, ScanLogService log) : ConsolePageModel
{
    private const int PageSize = 50;

    public VenueView Venue { get; private set; } = null!;

    public IReadOnlyList<GateView> Gates { get; private set; } = [];

    public IReadOnlyList<ScanView> Items { get; private set; } = [];

    public string? Next { get; private set; }

    [FromQuery(Name = "from")]
    public string? FromText { get; set; }

    [FromQuery(Name = "to")]
    public string? ToText { get; set; }

    [FromQuery(Name = "decision")]
    public string? Decision { get; set; }

    [FromQuery(Name = "gateId")]
    public Guid? GateId { get; set; }

    [FromQuery(Name = "before")]
    public string? Before { get; set; }

    /// <summary>Only offline decisions of gates the server disagrees with.</summary>
    [FromQuery(Name = "disagreements")]
    public bool Disagreements { get; set; }

    public DateTimeOffset? From => ConsoleTime.ParseInput(FromText);

    public DateTimeOffset? To => ConsoleTime.ParseInput(ToText);

    private ScanFilter Filter => new(From, To, Decision switch { "allow" => true, "deny" => false, _ => null }, GateId, Before, PageSize, Disagreements);

    public string CsvUrl => BuildUrl(new Dictionary<string, string?> { ["handler"] = "Csv", ["before"] = null });

    public string PageUrl(string? before) => BuildUrl(new Dictionary<string, string?> { ["before"] = before });

    public string GateName(Guid id) => Gates.FirstOrDefault(g => g.Id == id)?.Name ?? id.ToString()[..8];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var venue = await venues.GetAsync(Scope, id, ct);
        if (venue.Failure is { } f) return FailureResult(f) ?? NotFound();
        Venue = venue.Value!;
        Gates = (await venues.ListGatesAsync(Scope, id, ct)).Value ?? [];
        var page = await log.VenueScansAsync(Scope, id, Filter, ct);
        if (page.Failure is { } pf)
        {
            if (FailureResult(pf) is { } failed) return failed;
            return Page();
        }
        Items = page.Value!.Items;
        Next = page.Value.Next;
        return Page();
    }

    /// <summary>Streams the filtered log as CSV (every page, not just this one), as GET /v1/venues/{id}/scans.csv does.</summary>
    public async Task<IActionResult> OnGetCsvAsync(Guid id, CancellationToken ct)
    {
        // Visibility first, so another venue's export is a 404 before any byte is written.
        if (await venues.VisibleAsync(Scope, id, ct) is null) return NotFound();
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"scans-{id:N}.csv\"";
        var failure = await log.WriteVenueCsvAsync(Scope, id, Filter with { Before = null }, Response.Body, ct);
        return failure is null ? new EmptyResult() : FailureResult(failure) ?? new EmptyResult();
    }

    private string BuildUrl(Dictionary<string, string?> overrides)
    {
        var query = new Dictionary<string, string?>
        {
            ["from"] = FromText,
            ["to"] = ToText,
            ["decision"] = Decision,
            ["gateId"] = GateId?.ToString(),
            ["before"] = Before,
            ["disagreements"] = Disagreements ? "true" : null,
        };
        foreach (var (k, v) in overrides) query[k] = v;
        return QueryHelpers.AddQueryString($"/admin/venues/{Venue.Id}/scans", query.Where(kv => !string.IsNullOrEmpty(kv.Value)));
    }
}
