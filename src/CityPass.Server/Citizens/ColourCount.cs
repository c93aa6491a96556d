using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>
/// One colour of the population: how many citizens hold it now, and since a moment (the start of today) how many
/// statuses turned into it (<see cref="Into"/>; a new citizen's first status too) and out of it (<see cref="OutOf"/>).
/// <see cref="Change"/> is the net change since then.
/// </summary>
public sealed record ColourCount(StatusColour Colour, long Citizens, long Into, long OutOf)
{
    public long Change => Into - OutOf;
}
