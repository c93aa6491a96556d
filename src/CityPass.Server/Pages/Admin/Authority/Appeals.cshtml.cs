using CityPass.Server.Appeals;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>
/// The appeals queue: open appeals oldest first, each with the citizen's current status, the case and the citizen's
/// reason, and a form to uphold or reject it with a reason; or the decided ones. Decisions go through
/// <see cref="AppealService"/>, the same rules as the API's.
/// </summary>
public sealed class AppealsModel(AppealService appeals) : ConsolePageModel
{
    [FromQuery(Name = "state")]
    public string? State { get; set; }

    [FromQuery(Name = "decided")]
    public string? Decided { get; set; }

    public AppealListView List { get; private set; } = new("open", []);

    public string ShownState => State == "decided" ? "decided" : "open";

    /// <summary>The appeal a failed decision was about, so its form shows the error and what was typed.</summary>
    public Guid? FailedAppeal { get; private set; }

    public string? TypedReason { get; private set; }

    /// <summary>An error shown above the list: its appeal has no form to show it in (decided meanwhile, or gone).</summary>
    public bool ErrorAboveList => Error is not null && !List.Items.Any(a => a.Id == FailedAppeal && a.State == "open");

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ?? Page();

    public async Task<IActionResult> OnPostDecideAsync(string? appealId, string? decision, string? colour, string? reason, CancellationToken ct)
    {
        var outcome = await appeals.DecideAsync(Scope, appealId ?? "", new AppealDecisionRequest(decision, reason, colour), ct);
        if (outcome.Failure is { } f)
        {
            if (FailureResult(f) is { } failed) return failed;
            FailedAppeal = Guid.TryParse(appealId, out var id) ? id : null;
            TypedReason = reason;
            return await LoadAsync(ct) ?? Page();
        }
        // Post/redirect/get: a reload does not send the decision again.
        return RedirectToPage(new { decided = outcome.Value!.State });
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var outcome = await appeals.ListAsync(Scope, ShownState, AppealService.MaxPageSize, ct);
        if (outcome.Failure is { } f) return FailureResult(f) ?? BadRequest();
        List = outcome.Value!;
        return null;
    }
}
