using CityPass.Core.Citizens;
using CityPass.Server.Authority;
using CityPass.Server.Cases;
using CityPass.Server.Citizens;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>
/// The health authority's citizen page: find a citizen, see the status history, change the status with a reason and a case.
/// The change goes through <see cref="StatusService"/>, so the case rule is the API's: yellow or red only under an open health case.
/// </summary>
public sealed class CitizensModel(ICitizenStore citizens, IGrainFactory grains, StatusService statuses, CaseService cases) : ConsolePageModel
{
    [FromQuery(Name = "q")]
    public string? Query { get; set; }

    [FromQuery(Name = "changed")]
    public string? Changed { get; set; }

    public CitizenView? Citizen { get; private set; }

    public IReadOnlyList<StatusHistoryView> History { get; private set; } = [];

    public string? Colour { get; private set; }

    public string? Reason { get; private set; }

    public string? CaseRef { get; private set; }

    /// <summary>Suggestions for the case field: the newest open health cases (any reference is typed by hand).</summary>
    public IReadOnlyList<CaseView> OpenHealthCases { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => await FindAsync(ct);

    public async Task<IActionResult> OnPostChangeAsync(string? citizenId, string? colour, string? reason, string? caseRef, CancellationToken ct)
    {
        var outcome = await statuses.ChangeAsync(Scope, citizenId ?? "", new StatusChangeRequest(colour, reason, caseRef), ct);
        if (outcome.Failure is { } f)
        {
            if (FailureResult(f) is { } failed) return failed;
            (Colour, Reason, CaseRef) = (colour, reason, caseRef);
            await FindAsync(ct);
            return Page();
        }
        // Post/redirect/get: a reload does not change the status a second time.
        if (outcome.Value!.Held is { } held) return Redirect($"/admin/drafts/{held.Id}?held=1");
        return RedirectToPage(new { q = Query ?? citizenId, changed = outcome.Value.Change!.Current.Colour });
    }

    private async Task FindAsync(CancellationToken ct)
    {
        var q = Query?.Trim();
        if (string.IsNullOrEmpty(q)) return;
        if ((await cases.ListAsync(Scope, "open", null, CaseService.MaxPageSize, ct)).Value is { } open) OpenHealthCases = open.Items.Where(c => c.Health).ToList();
        Citizen? found = null;
        if (CitizenPseudonym.TryParse(q, out var id)) found = await citizens.GetAsync(id, ct);
        if (found is null && PhoneNumbers.TryNormalise(q, out var phone)) found = await citizens.FindByPhoneAsync(phone, ct);
        found ??= await citizens.FindByExternalIdAsync(q, ct);
        // The lookups above only find the id; the state shown is the grain's, the one status changes go through.
        if (found is null || await CitizenView.FromGrainAsync(grains, found.Id) is not { } view) return;
        Citizen = view;
        History = (await citizens.GetStatusHistoryAsync(found.Id, ct)).Select(StatusHistoryView.From).ToList();
    }
}
