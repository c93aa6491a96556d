using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Venues;

namespace CityPass.Server.Admin;

/// <summary>One cell of the preview: what a gate would answer a visitor of this colour holding these credentials.</summary>
public sealed record PreviewCell(StatusColour Colour, bool Allowed, string Code);

/// <summary>One row: a combination of credentials, with the answer for each colour.</summary>
public sealed record PreviewRow(Credentials Credentials, IReadOnlyList<string> CredentialNames, IReadOnlyList<PreviewCell> Cells);

/// <summary>The policy's decisions for every colour × credential combination, or why the policy can't be saved.</summary>
public sealed record PolicyPreviewResult(IReadOnlyList<PreviewRow> Rows, IDictionary<string, string[]> Errors, bool AssumesBooking, DateTimeOffset At);

/// <summary>
/// Runs the real decision function (<see cref="EntryRules.Decide"/>) on synthetic visitors, so the
/// operator sees what the gates will do before saving. The visitor arrives at an empty venue, is not
/// inside yet and, where the policy needs one, holds a booking; opening hours are judged at the moment given.
/// </summary>
public static class PolicyPreview
{
    public static PolicyPreviewResult Run(VenuePolicyDocument document, DateTimeOffset now)
    {
        var (policy, errors) = document.ToPolicy();
        if (policy is null) return new PolicyPreviewResult([], errors, false, now);
        var rows = new List<PreviewRow>();
        for (var bits = 0; bits <= (int)CredentialsExtensions.Known; bits++)
        {
            var held = (Credentials)bits;
            var cells = Enum.GetValues<StatusColour>().Select(colour =>
            {
                var claims = new PassClaims(new IssuerId(0), SignatureSuite.Es256, 0, 0, now.AddSeconds(-5), now.AddSeconds(55), colour, 1, held,
                    default, new CitizenPseudonym(1));
                var decision = EntryRules.Decide(claims, new CitizenSnapshot(colour, 1, held, "张三"), policy,
                    new VenueSituation(0, CitizenInside: false, HasBooking: true, TokenAlreadyEntered: false), ScanDirection.In, now);
                return new PreviewCell(colour, decision.Allowed, decision.Code.ToCode());
            }).ToList();
            rows.Add(new PreviewRow(held, held.ToWireNames(), cells));
        }
        return new PolicyPreviewResult(rows, errors, policy.RequiresBooking, now);
    }
}
