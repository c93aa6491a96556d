using System.Globalization;
using CityPass.Server.Admin;
using CityPass.Server.Authority;
using CityPass.Server.Tracing;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>
/// Contact tracing under a case: a citizen, a window, a minimum overlap and venue types give the citizen's visits and the
/// exposure list (<see cref="TracingService"/>, audited as case.trace); the citizens ticked in the list become one status
/// draft, which a second health authority account approves (four eyes).
/// </summary>
public sealed class ExposuresModel(TracingService tracing, StatusDraftService drafts, TimeProvider clock) : ConsolePageModel
{
    [FromRoute(Name = "id")]
    public string Id { get; set; } = "";

    [FromQuery(Name = "citizenId")]
    public string? CitizenId { get; set; }

    /// <summary>The window as the form's datetime-local fields hold it: the city's local time.</summary>
    [FromQuery(Name = "from")]
    public string? From { get; set; }

    [FromQuery(Name = "to")]
    public string? To { get; set; }

    [FromQuery(Name = "minOverlap")]
    public string? MinOverlap { get; set; }

    [FromQuery(Name = "venueTypes")]
    public string? VenueTypes { get; set; }

    public TraceView? Trace { get; private set; }

    public string? Notice { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        From ??= ConsoleTime.ForInput(now.AddDays(-TracingService.DefaultWindowDays));
        To ??= ConsoleTime.ForInput(now);
        if (string.IsNullOrWhiteSpace(CitizenId)) return Page();

        var request = new TraceRequest(CitizenId, AsInstant(From), AsInstant(To), MinOverlap, string.IsNullOrWhiteSpace(VenueTypes) ? null : [VenueTypes]);
        var outcome = await tracing.TraceAsync(Scope, Id, request, ct);
        if (outcome.Failure is { } f) return FailureResult(f) ?? Page();
        Trace = outcome.Value;
        return Page();
    }

    /// <summary>
    /// The ticked citizens become one status draft (<see cref="StatusDraftService.DraftAsync"/>, the call behind
    /// POST /v1/status-drafts, with its case rule and audit entry); nothing changes until a second account approves it
    /// on the draft's page, where this leads.
    /// </summary>
    public async Task<IActionResult> OnPostChangeStatusesAsync(string[]? citizenIds, string? colour, string? reason, string? caseRef, CancellationToken ct)
    {
        var outcome = await drafts.DraftAsync(Scope, new StatusDraftRequest(citizenIds ?? [], colour, reason, caseRef), ct);
        if (outcome.Failure is { } f) return FailureResult(f) ?? Page();
        // Post/redirect/get: a reload does not draft again, and does not run (and audit) the trace again either.
        return Redirect($"/admin/drafts/{outcome.Value!.Id}?drafted=1");
    }

    /// <summary>A datetime-local value as the instant it means in the city; what is no time goes on as typed, for the service to name.</summary>
    private static string? AsInstant(string? local) =>
        ConsoleTime.ParseInput(local) is { } at ? at.ToString("O", CultureInfo.InvariantCulture) : local;
}
