using CityPass.Core.Citizens;

namespace CityPass.Server.Appeals;

/// <summary>
/// A citizen's appeal against one yellow or red status: the status version it is about (so a later status is never
/// decided by an appeal against an earlier one), the colour and case of that status, and the citizen's reason.
/// Open until decided (<see cref="Decision"/>): upheld or rejected by the authority, or superseded because the status
/// changed first. <see cref="Id"/> is a time-ordered uuid (v7) the service makes.
/// </summary>
public sealed record Appeal(
    Guid Id,
    CitizenPseudonym CitizenId,
    uint StatusVersion,
    StatusColour Colour,
    string? CaseRef,
    string Reason,
    DateTimeOffset OpenedAt)
{
    /// <summary>Null while open.</summary>
    public AppealDecision? Decision { get; init; }

    public AppealState State => Decision?.State ?? AppealState.Open;
}

/// <summary>
/// How an appeal ended. <see cref="By"/> is the staff username (or the citizen's subject for a superseded appeal the
/// citizen replaced); <see cref="ByRole"/> is what the citizen is shown of who decided. <see cref="Outcome"/> is the
/// colour an upheld appeal set.
/// </summary>
public sealed record AppealDecision(AppealState State, DateTimeOffset At, string By, string ByRole, string Reason, StatusColour? Outcome);

public enum AppealState
{
    Open,
    /// <summary>The authority agreed: the status was changed (to green, or to a milder colour) through StatusService.</summary>
    Upheld,
    /// <summary>The authority disagreed: the status stays.</summary>
    Rejected,
    /// <summary>The status the appeal was about changed before anyone decided it: nothing left to decide.</summary>
    Superseded,
}

public static class AppealStates
{
    public static string ToWireName(this AppealState state) => state switch
    {
        AppealState.Open => "open",
        AppealState.Upheld => "upheld",
        AppealState.Rejected => "rejected",
        AppealState.Superseded => "superseded",
    };

    public static bool TryParseWireName(string? text, out AppealState state)
    {
        var wire = text?.Trim().ToLowerInvariant();
        foreach (var s in Enum.GetValues<AppealState>())
        {
            if (s.ToWireName() == wire)
            {
                state = s;
                return true;
            }
        }
        state = default;
        return false;
    }
}
