namespace CityPass.Core.Venues;

/// <summary>
/// A ticket as the scan sees it: when it admits, [<see cref="From"/>, <see cref="Until"/>), and the seat or zone the
/// gate displays. Cancelled tickets are not tickets here: they never reach the hot state.
/// </summary>
public readonly record struct TicketWindow(DateTimeOffset From, DateTimeOffset Until, string Seat)
{
    public bool AdmitsAt(DateTimeOffset at) => From <= at && at < Until;

    /// <summary>The first of <paramref name="tickets"/> (in their order) valid at <paramref name="at"/>, or null: the rule the Redis script repeats.</summary>
    public static TicketWindow? Admitting(IEnumerable<TicketWindow> tickets, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(tickets);
        foreach (var t in tickets)
        {
            if (t.AdmitsAt(at)) return t;
        }
        return null;
    }
}
