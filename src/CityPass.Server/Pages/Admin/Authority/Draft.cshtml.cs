using CityPass.Server.Auth;
using CityPass.Server.Authority;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>One status draft: what it changes, approving or rejecting it, and once approved its progress and per-citizen results.</summary>
public sealed class DraftModel(StatusDraftService drafts) : ConsolePageModel
{
    public const int ResultsPerPage = 200;

    [FromRoute(Name = "id")]
    public Guid Id { get; set; }

    [FromQuery(Name = "after")]
    public string? After { get; set; }

    public StatusDraftView Draft { get; private set; } = null!;

    public StatusDraftResultsView Results { get; private set; } = new([], null);

    public string? Notice { get; private set; }

    /// <summary>The signed-in account drafted this one: it may withdraw it, not approve it.</summary>
    public bool IsDrafter => string.Equals(User.Identity?.Name, Draft.DraftedBy, StringComparison.Ordinal);

    /// <summary>The signed-in account may approve: the health authority, and not the drafter (the service decides; this only hides the button).</summary>
    public bool MayApprove => User.IsInRole(Roles.HealthAuthority) && !IsDrafter;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (Request.Query.ContainsKey("drafted")) Notice = "Drafted. It now needs a second health authority account to approve it.";
        if (Request.Query.ContainsKey("held")) Notice = "Held for a second approver: this change is now a draft. Nothing has changed yet.";
        if (Request.Query.ContainsKey("approved")) Notice = "Approved: the change is running.";
        if (Request.Query.ContainsKey("rejected")) Notice = "Rejected: nothing of it runs.";
        return await LoadAsync(ct) ?? Page();
    }

    /// <summary>The progress panel alone, which the page polls while the draft runs.</summary>
    public async Task<IActionResult> OnGetProgressAsync(CancellationToken ct) => await LoadAsync(ct) ?? Partial("_DraftProgress", this);

    public async Task<IActionResult> OnPostApproveAsync(CancellationToken ct) => await AfterAsync(await drafts.ApproveAsync(Scope, Id, ct), "approved", ct);

    public async Task<IActionResult> OnPostRejectAsync(string? reason, CancellationToken ct) =>
        await AfterAsync(await drafts.RejectAsync(Scope, Id, new StatusDraftRejection(reason), ct), "rejected", ct);

    private async Task<IActionResult> AfterAsync(Problems.Outcome<StatusDraftView> outcome, string done, CancellationToken ct)
    {
        if (outcome.Failure is { } f)
        {
            if (FailureResult(f) is { } failed) return failed;
            return await LoadAsync(ct) ?? Page();
        }
        // Post/redirect/get: a reload does not decide again.
        return Redirect($"/admin/drafts/{Id}?{done}=1");
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var found = await drafts.GetAsync(Scope, Id, ct);
        if (found.Failure is { } f) return FailureResult(f) ?? NotFound();
        Draft = found.Value!;
        if (Draft.State == "approved")
        {
            var results = await drafts.ResultsAsync(Scope, Id, After, ResultsPerPage, ct);
            // A malformed 'after' is the one failure left here: a bad request, as the drafts list answers a bad 'before'.
            if (results.Failure is { } g) return FailureResult(g) ?? BadRequest();
            Results = results.Value!;
        }
        return null;
    }
}
