namespace CityPass.Core.Keys;

/// <summary>
/// Where a verifier reads the trust store at each verification. A fixed <see cref="TrustStore"/> is one; a server
/// that refreshes other cities' signed key sets swaps in a new store when one changes, and a verification in flight
/// keeps the store it read.
/// </summary>
public interface ITrustSource
{
    TrustStore Current { get; }
}
