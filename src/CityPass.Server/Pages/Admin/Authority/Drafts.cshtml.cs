using CityPass.Server.Authority;
using CityPass.Server.Cases;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>Status drafts awaiting a second approver (and those decided), and the form that drafts a bulk change.</summary>
public sealed class DraftsModel(StatusDraftService drafts, CaseService cases) : ConsolePageModel
{
    /// <summary>A pasted or uploaded list: at most a draft's citizens, 35 bytes a line.</summary>
    public const int MaxListBytes = StatusDraftService.MaxCitizens * 40;

    [FromQuery(Name = "state")]
    public string? State { get; set; }

    /// <summary>Text, so that a malformed cursor is refused by the service (400) rather than dropped by model binding.</summary>
    [FromQuery(Name = "before")]
    public string? Before { get; set; }

    public string ShownState => string.IsNullOrWhiteSpace(State) ? "pending" : State.Trim().ToLowerInvariant();

    public StatusDraftListView List { get; private set; } = new([], null);

    public IReadOnlyList<CaseView> OpenHealthCases { get; private set; } = [];

    public (string? Ids, string? Colour, string? Reason, string? CaseRef) Form { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ?? Page();

    public async Task<IActionResult> OnPostDraftAsync(string? ids, IFormFile? file, string? colour, string? reason, string? caseRef, CancellationToken ct)
    {
        var text = ids ?? "";
        if (file is { Length: > 0 })
        {
            if (file.Length > MaxListBytes)
            {
                FieldErrors = new Dictionary<string, string[]> { ["citizenIds"] = [$"The file is larger than a draft's {StatusDraftService.MaxCitizens:N0} citizens."] };
                Response.StatusCode = StatusCodes.Status400BadRequest;
                Form = (ids, colour, reason, caseRef);
                return await LoadAsync(ct) ?? Page();
            }
            using var reader = new StreamReader(file.OpenReadStream());
            text += "\n" + await reader.ReadToEndAsync(ct);
        }
        // One id a line, or separated by commas, spaces or semicolons; a CSV whose first column is the id works too.
        var list = text.Split(['\n', '\r', ',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(t => !t.Equals("citizenId", StringComparison.OrdinalIgnoreCase)).ToList();
        var outcome = await drafts.DraftAsync(Scope, new StatusDraftRequest(list, colour, reason, caseRef), ct);
        if (outcome.Failure is { } f)
        {
            if (FailureResult(f) is { } failed) return failed;
            Form = (ids, colour, reason, caseRef);
            return await LoadAsync(ct) ?? Page();
        }
        return Redirect($"/admin/drafts/{outcome.Value!.Id}?drafted=1");
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var listed = await drafts.ListAsync(Scope, ShownState, Before, 50, ct);
        if (listed.Failure is { } f)
        {
            if (f.Status == StatusCodes.Status400BadRequest) return BadRequest();
            return FailureResult(f) ?? NotFound();
        }
        List = listed.Value!;
        if ((await cases.ListAsync(Scope, "open", null, CaseService.MaxPageSize, ct)).Value is { } open) OpenHealthCases = open.Items.Where(c => c.Health).ToList();
        return null;
    }
}
