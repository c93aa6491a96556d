namespace CityPass.Server.Venues;

/// <summary>
/// Who is inside a venue is kept only where anti-passback reads it: nothing else does, and at a venue that scans no exits
/// the set would hold everyone who ever came in. When an operator turns anti-passback on, this starts keeping it from
/// the day's archive; when they turn it off, it forgets it. Defined here, done by the scan path (which reads the archive).
/// </summary>
public interface IPresenceKeeping
{
    /// <summary>Before a policy with anti-passback is stored over one without: who is inside now, by the day's archive.</summary>
    Task StartAsync(Venue venue, CancellationToken cancellationToken);

    /// <summary>After a policy without anti-passback is stored over one with it.</summary>
    Task StopAsync(Guid venueId, CancellationToken cancellationToken);
}
