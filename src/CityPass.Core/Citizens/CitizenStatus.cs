namespace CityPass.Core.Citizens;

/// <summary>
/// A citizen's health status as the authority set it. <see cref="Version"/> grows by one with every
/// change, so a pass can be compared with the current status without comparing clocks.
/// </summary>
public sealed record CitizenStatus(StatusColour Colour, uint Version, string Reason, DateTimeOffset Since)
{
    public static CitizenStatus Initial(DateTimeOffset since) => new(StatusColour.Green, 1, "initial", since);

    /// <summary>The status that follows this one: the version always moves forward.</summary>
    public CitizenStatus ChangeTo(StatusColour colour, string reason, DateTimeOffset at) => new(colour, checked(Version + 1), reason, at);
}
