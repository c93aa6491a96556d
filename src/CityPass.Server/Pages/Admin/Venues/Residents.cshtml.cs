using CityPass.Server.Estates;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Venues;

/// <summary>A housing estate's residents by unit: list one, take one off (each an audited push of one, as the API's).</summary>
public sealed class ResidentsModel(VenueService venues, EstateService estates) : ConsolePageModel
{
    public VenueView Venue { get; private set; } = null!;

    public IReadOnlyList<ResidentView> Residents { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Unit { get; set; }

    /// <summary>What the last push did to its one item ("added", "removed", "unchanged"), or its rejection code.</summary>
    public string? Done { get; private set; }

    /// <summary>Hides the forms only; the service refuses anyone who may not manage the estate.</summary>
    public bool CanManage => Scope.CanManageVenue(Venue.Id);

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) => await LoadAsync(id, ct) ?? Page();

    public Task<IActionResult> OnPostAddAsync(Guid id, string? unit, string? citizenId, CancellationToken ct) => PushAsync(id, unit, citizenId, removed: false, ct);

    public Task<IActionResult> OnPostRemoveAsync(Guid id, string? unit, string? citizenId, CancellationToken ct) => PushAsync(id, unit, citizenId, removed: true, ct);

    private async Task<IActionResult> PushAsync(Guid id, string? unit, string? citizenId, bool removed, CancellationToken ct)
    {
        var outcome = await estates.PushResidentsAsync(Scope, id, new ResidentPushRequest([new ResidentPushItem(unit, citizenId?.Trim().ToLowerInvariant(), removed)]), ct);
        if (outcome.Failure is { } f && FailureResult(f) is { } failed) return failed;
        if (outcome.Value is { Results: [var result] })
        {
            Done = result.Code ?? result.Status;
            if (result.Code is not null)
            {
                Error = result.Code == EstateCodes.UnitInvalid ? "The unit is 1 to 24 letters, digits and - / # ." : "The citizen id is 32 hex digits.";
                Response.StatusCode = StatusCodes.Status400BadRequest;
            }
        }
        return await LoadAsync(id, ct) ?? Page();
    }

    /// <summary>Null when loaded; the 404 when the venue is not the caller's to see or is no estate.</summary>
    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken ct)
    {
        var venue = await venues.GetAsync(Scope, id, ct);
        if (venue.Failure is { } f) return FailureResult(f) ?? NotFound();
        Venue = venue.Value!;
        var residents = await estates.ResidentsAsync(Scope, id, Unit, null, ct);
        if (residents.Failure is not null) return NotFound();
        Residents = residents.Value!;
        return null;
    }
}
