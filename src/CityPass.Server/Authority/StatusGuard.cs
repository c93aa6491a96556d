using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Cases;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Authority;

/// <summary>
/// The anomaly guard on single status changes: the ways one account could still harm many people one change at a time,
/// under the case rule. A change is held for a second approver (it becomes a <see cref="StatusDraft"/>) when
/// <list type="bullet">
/// <item>the account has made <see cref="StatusDraftOptions.ChangesPerHourBeforeHold"/> changes in the last hour
/// (<see cref="HourlyLimit"/>), or</item>
/// <item>a case about one person (a confirmed or suspected infection) would stand behind more citizens than the person
/// and a household (<see cref="CaseScope"/>). An investigation of close contacts, or a travel rule's releases, have no
/// such bound: they are about many people by nature, and the hourly limit and bulk drafts are their guard.</item>
/// </list>
/// Both are counted from the audit log, so they hold across every server of the cluster. Changes made by approved drafts
/// are not the account's own (their actor is the draft) and do not count toward its hour.
/// </summary>
public sealed class StatusGuard(IAuditLog audit, ICaseStore cases, IOptions<StatusDraftOptions> options, TimeProvider clock)
{
    public const string HourlyLimit = "hourly_limit";
    public const string CaseScope = "case_scope";

    /// <summary>Why this change is held, or null when it may go ahead.</summary>
    public async Task<string?> CheckAsync(AccessScope scope, CitizenPseudonym citizen, string caseRef, CancellationToken ct)
    {
        var settings = options.Value;
        var lastHour = await audit.CountAsync(new AuditQuery(Actor: scope.Actor, Action: StatusAudit.Action,
            From: clock.GetUtcNow() - TimeSpan.FromHours(1), Limit: settings.ChangesPerHourBeforeHold), ct);
        if (lastHour >= settings.ChangesPerHourBeforeHold) return HourlyLimit;

        if (await cases.GetAsync(caseRef, ct) is not { } found) return null; // a return to green under a reference that is no case
        if (CitizensCovered(found.Type, settings) is not { } covers) return null;
        var subject = "citizen:" + citizen;
        // Entries, not citizens: one citizen changed twice is two entries. Reading a few entries per citizen covered finds
        // whether the case is full without reading a large case's whole history.
        var entries = await audit.QueryAsync(new AuditQuery(Action: StatusAudit.Action, CaseRef: found.Id, Limit: covers * 4), ct);
        var citizens = entries.Select(e => e.Subject).ToHashSet(StringComparer.Ordinal);
        if (citizens.Contains(subject)) return null; // already under this case: a further change for them is within it
        return citizens.Count >= covers ? CaseScope : null;
    }

    /// <summary>
    /// How many citizens a case of this type stands behind before further ones are outside its scope; null when the type
    /// has no such bound (a switch with no default: a new case type does not build until someone decides).
    /// </summary>
    public static int? CitizensCovered(CaseType type, StatusDraftOptions settings) => type switch
    {
        CaseType.ConfirmedInfection => settings.CitizensPerPersonCase,
        CaseType.SuspectedInfection => settings.CitizensPerPersonCase,
        CaseType.CloseContactInvestigation => null,
        CaseType.TravelRule => null,
    };
}
