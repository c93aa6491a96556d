using CityPass.Core.Citizens;
using CityPass.Server.Citizens;

namespace CityPass.Server.Audit;

/// <summary>How a status change reads in the audit log, the same in every store.</summary>
public static class StatusAudit
{
    public const string Action = "citizen.status.change";

    public static AuditDraft Draft(StatusChange change, CitizenStatus before, CitizenStatus after) => new(
        change.At,
        change.Actor,
        Action,
        "citizen:" + change.CitizenId,
        $"{before.Colour.ToWireName()} v{before.Version}",
        $"{after.Colour.ToWireName()} v{after.Version}",
        change.Reason,
        change.CaseRef);
}
