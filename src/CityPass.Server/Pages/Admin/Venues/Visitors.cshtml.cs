using CityPass.Server.Estates;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Venues;

/// <summary>A housing estate's visitor trail: who registered to visit which unit, when, and what the host decided.</summary>
public sealed class VisitorsModel(VenueService venues, EstateService estates, Microsoft.Extensions.Options.IOptions<EstateOptions> options) : ConsolePageModel
{
    public VenueView Venue { get; private set; } = null!;

    public IReadOnlyList<VisitView> Visits { get; private set; } = [];

    public int RetentionDays => options.Value.VisitRetentionDays;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var venue = await venues.GetAsync(Scope, id, ct);
        if (venue.Failure is { } f) return FailureResult(f) ?? NotFound();
        Venue = venue.Value!;
        var trail = await estates.TrailAsync(Scope, id, null, null, null, ct);
        if (trail.Failure is not null) return NotFound();
        Visits = trail.Value!;
        return Page();
    }
}
