using CityPass.Server.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin;

/// <summary>Signing out is a POST with the antiforgery token, so a link on another site can't sign anyone out.</summary>
public sealed class SignOutModel : ConsolePageModel
{
    public IActionResult OnGet() => LocalRedirect("/admin");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleCookie.Scheme);
        return LocalRedirect(ConsoleCookie.SignInPath);
    }
}
