namespace CityPass.Core.Keys;

/// <summary>
/// Where the issuer and the verifier read this city's own key set at each use. A fixed <see cref="IssuerKeySet"/>
/// is one; a server whose keys are managed at run time swaps in a new set when staff create, activate, retire or
/// revoke a key, and an issue or verification in flight keeps the set it read.
/// </summary>
public interface IIssuerKeySource
{
    IssuerKeySet Current { get; }
}
