using CityPass.Server.Cases;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>One case: its fields, a form to change an open one, closing it with a reason, and every status change made under it.</summary>
public sealed class CaseModel(CaseService cases) : ConsolePageModel
{
    [FromRoute(Name = "id")]
    public string Id { get; set; } = "";

    [FromQuery(Name = "before")]
    public long? Before { get; set; }

    public CaseView Case { get; private set; } = null!;

    public CaseChangesView Changes { get; private set; } = null!;

    public string? Notice { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (Request.Query.ContainsKey("opened")) Notice = "Case opened.";
        if (Request.Query.ContainsKey("updated")) Notice = "Case changed.";
        if (Request.Query.ContainsKey("closed")) Notice = "Case closed: it can no longer stand behind a yellow or red status.";
        return await LoadAsync(ct) ?? Page();
    }

    public async Task<IActionResult> OnPostUpdateAsync(string? legalBasis, string? owner, string? notes, CancellationToken ct)
    {
        var outcome = await cases.UpdateAsync(Scope, Id, new UpdateCaseRequest(legalBasis, owner, notes ?? ""), ct);
        return await AfterAsync(outcome, "updated", ct);
    }

    public async Task<IActionResult> OnPostCloseAsync(string? reason, CancellationToken ct)
    {
        var outcome = await cases.CloseAsync(Scope, Id, new CloseCaseRequest(reason), ct);
        return await AfterAsync(outcome, "closed", ct);
    }

    private async Task<IActionResult> AfterAsync(Problems.Outcome<CaseView> outcome, string done, CancellationToken ct)
    {
        if (outcome.Failure is { } f)
        {
            if (FailureResult(f) is { } failed) return failed;
            return await LoadAsync(ct) ?? Page();
        }
        // Post/redirect/get: a reload does not send the change again.
        return Redirect($"/admin/cases/{outcome.Value!.Id}?{done}=1");
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var found = await cases.GetAsync(Scope, Id, ct);
        if (found.Failure is { } f) return FailureResult(f) ?? NotFound();
        Case = found.Value!;
        var changes = await cases.ChangesAsync(Scope, Case.Id, Before, 100, ct);
        if (changes.Failure is { } g) return FailureResult(g) ?? NotFound();
        Changes = changes.Value!;
        return null;
    }
}
