namespace CityPass.Server.Citizens;

public enum OtpCheck
{
    Valid,
    Invalid,
    /// <summary>No code was sent, or it expired.</summary>
    Missing,
    /// <summary>Too many wrong codes: the code is burnt; ask for a new one.</summary>
    TooManyAttempts,
    /// <summary>The phone used up its wrong guesses for the hour, over all its codes: nothing is checked until the hour passes.</summary>
    Locked,
}
