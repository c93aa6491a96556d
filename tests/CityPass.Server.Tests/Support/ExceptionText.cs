namespace CityPass.Server.Tests.Support;

public static class ExceptionText
{
    /// <summary>An exception's message and its inner ones', as a host that refused to start reports them.</summary>
    public static string Of(Exception e) => e.InnerException is null ? e.Message : e.Message + " / " + Of(e.InnerException);
}
