using CityPass.Server.Cases;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>The health authority's cases: open ones first (or closed, or all), paged, and a form to open a case.</summary>
public sealed class CasesModel(CaseService cases) : ConsolePageModel
{
    [FromQuery(Name = "state")]
    public string? State { get; set; }

    [FromQuery(Name = "before")]
    public string? Before { get; set; }

    public CaseListView List { get; private set; } = new([], null);

    public OpenCaseRequest Draft { get; private set; } = new(nameof(CaseType.ConfirmedInfection), null, null, null);

    public string ShownState => State is "closed" or "all" ? State : "open";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Draft = Draft with { Type = CaseType.ConfirmedInfection.ToWireName(), Owner = Scope.Actor };
        return await LoadAsync(ct) ?? Page();
    }

    public async Task<IActionResult> OnPostOpenAsync(string? type, string? legalBasis, string? owner, string? notes, CancellationToken ct)
    {
        Draft = new OpenCaseRequest(type, legalBasis, owner, notes);
        var outcome = await cases.OpenAsync(Scope, Draft, ct);
        if (outcome.Failure is { } f)
        {
            if (FailureResult(f) is { } failed) return failed;
            return await LoadAsync(ct) ?? Page();
        }
        // Post/redirect/get: a reload does not open the case twice.
        return Redirect($"/admin/cases/{outcome.Value!.Id}?opened=1");
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var outcome = await cases.ListAsync(Scope, ShownState, Before, 50, ct);
        if (outcome.Failure is { } f) return FailureResult(f) ?? BadRequest();
        List = outcome.Value!;
        return null;
    }
}
