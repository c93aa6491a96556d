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

    public TimeSpan ExpiresAfter => TimeSpan.FromHours(ExpiresAfterHours);

    public IEnumerable<string> Validate()
    {
        if (ExpiresAfterHours is < 1 or > 24 * 14) yield return "StatusDrafts:ExpiresAfterHours is between 1 and 336.";
        if (ChangesPerHourBeforeHold is < 1 or > 1_000_000) yield return "StatusDrafts:ChangesPerHourBeforeHold is between 1 and 1000000.";
        // The case scope reads the case's entries in one page of at most 1,000 (four per citizen covered).
        if (CitizensPerPersonCase is < 1 or > 250) yield return "StatusDrafts:CitizensPerPersonCase is between 1 and 250.";
    }
}
