using CityPass.Server.Admin;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Venues;

/// <summary>The entry-policy editor, with a live preview of every colour × credential decision before saving.</summary>
public sealed class PolicyModel(VenueService venues, TimeProvider clock) : ConsolePageModel
{
    public VenueView Venue { get; private set; } = null!;

    [BindProperty]
    public PolicyForm Form { get; set; } = new();

    public PolicyPreviewResult Preview { get; private set; } = null!;

    public bool Saved { get; private set; }

    public bool CanManage => Scope.CanManageVenue(Venue.Id);

    public async Task<IActionResult> OnGetAsync(Guid id, bool saved, CancellationToken ct)
    {
        if (await LoadAsync(id, ct) is { } missing) return missing;
        Form = PolicyForm.From(Venue.Policy);
        Saved = saved;
        Preview = PolicyPreview.Run(Venue.Policy, clock.GetUtcNow());
        return Page();
    }

    /// <summary>htmx asks for this on every change of the form: the preview table only.</summary>
    public async Task<IActionResult> OnPostPreviewAsync(Guid id, CancellationToken ct)
    {
        if (await LoadAsync(id, ct) is { } missing) return missing;
        return Partial("_PolicyPreview", Run());
    }

    public async Task<IActionResult> OnPostSaveAsync(Guid id, CancellationToken ct)
    {
        if (await LoadAsync(id, ct) is { } missing) return missing;
        var (document, formError) = Form.ToDocument();
        if (document is not null)
        {
            var outcome = await venues.SetPolicyAsync(Scope, id, document, ct);
            if (outcome.Failure is null) return RedirectToPage(new { id, saved = true });
            if (FailureResult(outcome.Failure) is { } failed) return failed;
        }
        else
        {
            Error = formError!.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        Preview = Run();
        return Page();
    }

    private PolicyPreviewResult Run()
    {
        var (document, formError) = Form.ToDocument();
        return document is null
            ? new PolicyPreviewResult([], new Dictionary<string, string[]> { [formError!.Field] = [formError.Message] }, false, clock.GetUtcNow())
            : PolicyPreview.Run(document, clock.GetUtcNow());
    }

    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken ct)
    {
        var venue = await venues.GetAsync(Scope, id, ct);
        if (venue.Failure is { } f) return FailureResult(f) ?? NotFound();
        Venue = venue.Value!;
        return null;
    }
}
