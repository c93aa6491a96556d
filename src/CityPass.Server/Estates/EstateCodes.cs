namespace CityPass.Server.Estates;

/// <summary>The stable codes of the estates' answers; clients branch on these.</summary>
public static class EstateCodes
{
    /// <summary>A resident's unit missing, longer than <see cref="EstateTickets.MaxUnitLength"/>, or not letters, digits and <c>-/#.</c>.</summary>
    public const string UnitInvalid = "unit_invalid";

    /// <summary>citizenId missing or not 32 hex digits (the citizen's pseudonym).</summary>
    public const string CitizenIdInvalid = "citizen_id_invalid";

    /// <summary>The same unit and citizen twice in one push: the second is rejected, the first applies.</summary>
    public const string ResidentRepeated = "resident_repeated";

    /// <summary>A visit's window is over: it can no longer be approved or declined.</summary>
    public const string VisitEnded = "visit_ended";

    /// <summary>An approval of a visit its host declined: the visitor registers again.</summary>
    public const string VisitDeclined = "visit_declined";

    /// <summary>The visitor has too many visits waiting or to come.</summary>
    public const string TooManyVisits = "too_many_visits";
}
