namespace CityPass.Server.Venues;

/// <summary>
/// The gates' clocks, which a gate's view shows. The scan store has them (<see cref="GateClock"/> is read from the scans)
/// and implements this: an interface of its own so that Venues need not know the scan path.
/// </summary>
public interface IGateClocks
{
    /// <summary>
    /// The clocks of <paramref name="gateIds"/> as their scans decided at or after <paramref name="since"/> show them
    /// (see <see cref="GateClock"/>); a gate with no such scan is left out.
    /// </summary>
    Task<IReadOnlyList<GateClock>> GateClocksAsync(IReadOnlyCollection<Guid> gateIds, DateTimeOffset since, CancellationToken cancellationToken);
}
