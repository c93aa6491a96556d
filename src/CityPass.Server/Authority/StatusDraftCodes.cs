namespace CityPass.Server.Authority;

/// <summary>The stable codes of four-eyes drafts (ProblemDetails "code").</summary>
public static class StatusDraftCodes
{
    /// <summary>The drafter tried to approve their own draft. 403.</summary>
    public const string OwnDraft = "draft_own";

    /// <summary>Only a HealthAuthority account approves a draft (a city admin may draft and reject, not approve). 403.</summary>
    public const string ApproverRole = "draft_approver_role";

    /// <summary>The draft was not approved in time; nothing of it ran. 409.</summary>
    public const string Expired = "draft_expired";

    /// <summary>The draft was approved or rejected already. 409.</summary>
    public const string Decided = "draft_decided";
}
