namespace CityPass.Server.Authority;

/// <summary>Four eyes on status changes: configuration section "StatusDrafts".</summary>
public sealed class StatusDraftOptions
{
    /// <summary>A draft not approved within this many hours expires, and nothing of it runs.</summary>
    public int ExpiresAfterHours { get; set; } = 24;

    /// <summary>Single changes one staff account makes in an hour before the next is held for a second approver.</summary>
    public int ChangesPerHourBeforeHold { get; set; } = 100;

    /// <summary>
    /// Citizens a case about one person (a confirmed or suspected infection: the person and a household) stands behind
    /// before a further change under it is held: more is outside that case's scope.
    /// </summary>
    public int CitizensPerPersonCase { get; set; } = 20;

    /// <summary>
    /// Citizens a close-contact investigation (or a travel rule, for its returns to green) stands behind before a further
    /// single change under it is held: more contacts than that go as one bulk draft.
    /// </summary>
    public int CitizensPerInvestigation { get; set; } = 200;

    public TimeSpan ExpiresAfter => TimeSpan.FromHours(ExpiresAfterHours);

    public IEnumerable<string> Validate()
    {
        if (ExpiresAfterHours is < 1 or > 24 * 14) yield return "StatusDrafts:ExpiresAfterHours is between 1 and 336.";
        // The guard reads the audit log in one page of at most 1,000 entries (four per citizen covered): past these, single
        // changes are the wrong tool anyway, and a bulk draft is the way.
        if (ChangesPerHourBeforeHold is < 1 or > 1_000) yield return "StatusDrafts:ChangesPerHourBeforeHold is between 1 and 1000.";
        if (CitizensPerPersonCase is < 1 or > 250) yield return "StatusDrafts:CitizensPerPersonCase is between 1 and 250.";
        if (CitizensPerInvestigation is < 1 or > 250) yield return "StatusDrafts:CitizensPerInvestigation is between 1 and 250.";
    }
}
