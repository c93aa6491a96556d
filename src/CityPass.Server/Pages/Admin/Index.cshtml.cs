using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin;

/// <summary>The venues the signed-in member of staff may see, with how full each is; city admins add venues here.</summary>
public sealed class IndexModel(VenueService venues) : ConsolePageModel
{
    public sealed record Row(VenueView Venue, int Count);

    public IReadOnlyList<Row> Venues { get; private set; } = [];

    public VenueDraft? Draft { get; private set; }

    /// <summary>Only hides the form; creating is refused by the service for anyone else.</summary>
    public bool CanCreate => Scope.IsCityAdmin;

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? kind, string? address, string? district, CancellationToken ct)
    {
        Draft = new VenueDraft(name, kind, address, district);
        var outcome = await venues.CreateAsync(Scope, Draft, ct);
        if (outcome.Failure is { } f)
        {
            if (FailureResult(f) is { } result) return result;
            await LoadAsync(ct);
            return Page();
        }
        return RedirectToPage("/Admin/Venues/Gates", new { id = outcome.Value!.Id });
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var list = await venues.ListAsync(Scope, ct);
        var rows = new List<Row>(list.Count);
        foreach (var v in list)
        {
            var occupancy = await venues.GetOccupancyAsync(Scope, v.Id, ct);
            rows.Add(new Row(v, occupancy.Value?.Count ?? 0));
        }
        Venues = rows;
    }
}
