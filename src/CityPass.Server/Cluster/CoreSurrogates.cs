using CityPass.Core.Citizens;
using CityPass.Core.Tokens;

namespace CityPass.Server.Cluster;

// CityPass.Core stays free of Orleans: its types that cross a grain boundary travel as these
// surrogates, each with explicit field ids (a field without one would silently not travel).

[GenerateSerializer]
public readonly record struct CitizenPseudonymSurrogate([property: Id(0)] UInt128 Value);

[RegisterConverter]
public sealed class CitizenPseudonymConverter : IConverter<CitizenPseudonym, CitizenPseudonymSurrogate>
{
    public CitizenPseudonym ConvertFromSurrogate(in CitizenPseudonymSurrogate surrogate) => new(surrogate.Value);

    public CitizenPseudonymSurrogate ConvertToSurrogate(in CitizenPseudonym value) => new(value.Value);
}

[GenerateSerializer]
public readonly record struct CitizenStatusSurrogate(
    [property: Id(0)] StatusColour Colour, [property: Id(1)] uint Version, [property: Id(2)] string Reason, [property: Id(3)] DateTimeOffset Since);

[RegisterConverter]
public sealed class CitizenStatusConverter : IConverter<CitizenStatus, CitizenStatusSurrogate>
{
    public CitizenStatus ConvertFromSurrogate(in CitizenStatusSurrogate surrogate) => new(surrogate.Colour, surrogate.Version, surrogate.Reason, surrogate.Since);

    public CitizenStatusSurrogate ConvertToSurrogate(in CitizenStatus value) =>
        new(value.Colour, value.Version, value.Reason, value.Since);
}

[GenerateSerializer]
public readonly record struct IssuedPassSurrogate(
    [property: Id(0)] string Text, [property: Id(1)] UInt128 TokenId, [property: Id(2)] DateTimeOffset IssuedAt, [property: Id(3)] DateTimeOffset ExpiresAt);

[RegisterConverter]
public sealed class IssuedPassConverter : IConverter<IssuedPass, IssuedPassSurrogate>
{
    public IssuedPass ConvertFromSurrogate(in IssuedPassSurrogate surrogate) =>
        new(surrogate.Text, new TokenId(surrogate.TokenId), surrogate.IssuedAt, surrogate.ExpiresAt);

    public IssuedPassSurrogate ConvertToSurrogate(in IssuedPass value) =>
        new(value.Text, value.TokenId.Value, value.IssuedAt, value.ExpiresAt);
}
