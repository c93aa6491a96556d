using CityPass.Server.Identify;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Pages.Admin.Venues;

/// <summary>
/// An identifying venue's disclosure log: the member ids and claims its answers carried, newest first, never a citizen
/// id. Its operators and city admins only, as <c>GET /v1/venues/{id}/disclosures</c>; anyone else gets 404.
/// </summary>
public sealed class DisclosuresModel(VenueService venues, IdentifyService identify, IOptions<IdentifyOptions> options) : ConsolePageModel
{
    public VenueView Venue { get; private set; } = null!;

    public IReadOnlyList<VenueDisclosureView> Disclosures { get; private set; } = [];

    public int RetentionDays => options.Value.DisclosureRetentionDays;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var venue = await venues.GetAsync(Scope, id, ct);
        if (venue.Failure is { } f) return FailureResult(f) ?? NotFound();
        Venue = venue.Value!;
        var log = await identify.VenueDisclosuresAsync(Scope, id, null, null, IdentifyService.MaxListed, ct);
        if (log.Failure is not null) return NotFound();
        Disclosures = log.Value!;
        return Page();
    }
}
