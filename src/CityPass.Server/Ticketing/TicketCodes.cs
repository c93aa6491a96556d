namespace CityPass.Server.Ticketing;

/// <summary>The stable codes of a rejected booking in a push's per-item results; ticketing systems branch on these.</summary>
public static class TicketCodes
{
    /// <summary>bookingId missing, longer than 64, or not letters, digits and <c>-_.:/#</c>.</summary>
    public const string BookingIdInvalid = "booking_id_invalid";

    /// <summary>The same bookingId twice in one push: the second is rejected, the first applies.</summary>
    public const string BookingIdRepeated = "booking_id_repeated";

    /// <summary>citizenId missing or not 32 hex digits (the citizen's pseudonym).</summary>
    public const string CitizenIdInvalid = "citizen_id_invalid";

    /// <summary>seat missing, longer than 32, or not printable.</summary>
    public const string SeatInvalid = "seat_invalid";

    /// <summary>validFrom or validUntil missing, validUntil not after validFrom, or a window longer than 7 days.</summary>
    public const string WindowInvalid = "window_invalid";

    /// <summary>A cancellation of a bookingId the venue does not have.</summary>
    public const string BookingNotFound = "booking_not_found";
}
