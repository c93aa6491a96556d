using CityPass.Core.Citizens;

namespace CityPass.Server.Tracing;

/// <summary>How a visit's end was found.</summary>
public enum VisitEnd
{
    /// <summary>The gate recorded the citizen's exit.</summary>
    Exit,

    /// <summary>No exit: the entry plus the dwell time of the venue's type.</summary>
    Dwell,

    /// <summary>No exit, and the citizen entered the same venue again before the dwell time was over: the visit ends there.</summary>
    NextEntry,
}

/// <summary>A citizen's stay at a venue, [Entry, End).</summary>
public sealed record Visit(CitizenPseudonym Citizen, Guid VenueId, DateTimeOffset Entry, DateTimeOffset End, VisitEnd EndedBy);

public static class VisitEnds
{
    public static string ToWireName(this VisitEnd end) => end switch
    {
        VisitEnd.Exit => "exit",
        VisitEnd.Dwell => "dwell",
        VisitEnd.NextEntry => "next_entry",
    };
}
