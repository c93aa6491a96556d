using CityPass.Core.Citizens;
using CityPass.Server.Problems;

namespace CityPass.Server.Cases;

/// <summary>
/// The rule every status change by staff goes through (StatusService, single and bulk, which the console uses too):
/// yellow or red needs an open case of a health type. It is what stops the 2022 Zhengzhou abuse, a red code with no
/// health case behind it (docs/security.md). A return to green still needs a reference (a reason to release someone
/// must be findable) but it need not be a case id; when it is one, it is recorded in the case's spelling, so the
/// change shows on that case's page.
/// </summary>
public sealed class StatusCaseRule(ICaseStore cases)
{
    /// <summary>The case reference to record (a case id in its canonical form, or the reference as given for green), or why the change is refused (422).</summary>
    public async Task<Outcome<string>> CheckAsync(StatusColour colour, string caseRef, CancellationToken ct)
    {
        var needsHealthCase = colour switch
        {
            StatusColour.Green => false,
            StatusColour.Yellow or StatusColour.Red => true,
        };
        var found = CaseIds.TryParse(caseRef, out var id, out _) ? await cases.GetAsync(id, ct) : null;
        if (!needsHealthCase) return found?.Id ?? caseRef;
        if (found is null)
        {
            return Refused(CaseCodes.CaseNotFound, $"No case '{caseRef}': a yellow or red status needs the id of an open health case (C-2026-000042).");
        }
        if (!found.IsOpen) return Refused(CaseCodes.CaseClosed, $"Case {found.Id} is closed: a yellow or red status needs an open health case.");
        if (!found.Type.IsHealth())
        {
            return Refused(CaseCodes.CaseNotHealth, $"Case {found.Id} is a {found.Type.ToWireName()} case, not a health case: it cannot make anyone yellow or red.");
        }
        return found.Id;
    }

    private static Failure Refused(string code, string title) => new(StatusCodes.Status422UnprocessableEntity, code, title);
}
