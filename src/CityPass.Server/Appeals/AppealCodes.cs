namespace CityPass.Server.Appeals;

/// <summary>The stable codes of the appeal rules (ProblemDetails "code"); the H5 page and clients branch on these.</summary>
public static class AppealCodes
{
    /// <summary>The citizen's status is green: there is nothing to appeal. 422.</summary>
    public const string StatusNotAppealable = "appeal_status_green";

    /// <summary>The citizen already has an open appeal (one at a time). 409.</summary>
    public const string AlreadyOpen = "appeal_already_open";

    /// <summary>This status (this version) was appealed already and decided: not again until the status changes. 409.</summary>
    public const string StatusAlreadyAppealed = "appeal_status_already_appealed";

    /// <summary>A decision on an appeal that is no longer open (decided, or superseded). 409.</summary>
    public const string AlreadyDecided = "appeal_already_decided";

    /// <summary>The status changed after the appeal was made; the appeal was closed as superseded instead of decided. 409.</summary>
    public const string Superseded = "appeal_superseded";

    /// <summary>The uphold's status change was held by the anomaly guard for a second approver (a draft): nothing decided yet. 409.</summary>
    public const string ChangeHeld = "appeal_change_held";
}
