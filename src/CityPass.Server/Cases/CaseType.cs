namespace CityPass.Server.Cases;

/// <summary>
/// What a case is about: a fixed list, so every case says in the same words what kind of work it is, and so
/// the status rule can tell a health case from one that is not. Stored and sent by its wire name.
/// </summary>
public enum CaseType
{
    /// <summary>A person tested positive: the basis for red.</summary>
    ConfirmedInfection,

    /// <summary>Symptoms or a first positive test awaiting confirmation.</summary>
    SuspectedInfection,

    /// <summary>People who were near a confirmed case: the basis for yellow while they are investigated.</summary>
    CloseContactInvestigation,

    /// <summary>A rule about travel (arrivals from a region, a border crossing). Not about anyone's health, so never the basis for yellow or red.</summary>
    TravelRule,
}

public static class CaseTypes
{
    /// <summary>Every type, in the order forms list them.</summary>
    public static IReadOnlyList<CaseType> All { get; } = Enum.GetValues<CaseType>();

    /// <summary>
    /// Whether a case of this type may stand behind a yellow or red status. Decided per type here (a switch with
    /// no default: a new type does not build until someone decides), nowhere else.
    /// </summary>
    public static bool IsHealth(this CaseType type) => type switch
    {
        CaseType.ConfirmedInfection => true,
        CaseType.SuspectedInfection => true,
        CaseType.CloseContactInvestigation => true,
        CaseType.TravelRule => false,
    };

    public static string ToWireName(this CaseType type) => type switch
    {
        CaseType.ConfirmedInfection => "confirmed_infection",
        CaseType.SuspectedInfection => "suspected_infection",
        CaseType.CloseContactInvestigation => "close_contact_investigation",
        CaseType.TravelRule => "travel_rule",
    };

    public static bool TryParseWireName(string? text, out CaseType type)
    {
        var wire = text?.Trim().ToLowerInvariant();
        foreach (var t in All)
        {
            if (t.ToWireName() == wire)
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>Words for a form's list.</summary>
    public static string Label(this CaseType type) => type switch
    {
        CaseType.ConfirmedInfection => "Confirmed infection",
        CaseType.SuspectedInfection => "Suspected infection",
        CaseType.CloseContactInvestigation => "Close-contact investigation",
        CaseType.TravelRule => "Travel rule (not a health case)",
    };
}
