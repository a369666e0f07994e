; RoadInspect installer (Inno Setup 6): per-user, no administrator rights.
;
; Build the bundle first (python packaging\build.py -> dist\RoadInspect\), then, from the repository root:
;     iscc packaging\installer.iss
; Output: dist\RoadInspect-<version>-setup.exe. The version comes from the version resource that
; build.py writes into RoadInspect.exe (itself generated from roadinspect.__version__); override it
; with iscc /DAppVersion=1.2.3 if needed.
;
; * Installs into %LOCALAPPDATA%\Programs\RoadInspect (PrivilegesRequired=lowest): no UAC prompt, works on
;   locked-down desktops; IT can still deploy it silently per user: setup.exe /VERYSILENT /SUPPRESSMSGBOXES.
; * Start-menu shortcut (with the AppUserModelID the app sets at start-up, so taskbar pins group correctly),
;   optional desktop shortcut.
; * .roadinspect project files open in RoadInspect (registered under HKCU\Software\Classes only).
; * Uninstall removes the program folder, the shortcuts, the file association and the app's cache
;   (map tiles, thumbnails). It never touches the user's projects, photos, exports, settings or logs
;   (%APPDATA%\RoadInspect): nothing of the user's is ever written to the program folder.

#define AppName "RoadInspect"
#define AppPublisher "RoadInspect"
#define AppExeName "RoadInspect.exe"
#define AppUserModelID "RoadInspect.RoadInspect.Desktop"
#define ProjectExt ".roadinspect"
#define ProjectProgId "RoadInspect.Project"
#define BundleDir AddBackslash(SourcePath) + "..\dist\RoadInspect"
#define AppExePath BundleDir + "\" + AppExeName

#if !FileExists(AppExePath)
  #error "No bundle at dist\RoadInspect: run  python packaging\build.py  first."
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AppExePath, "ProductVersion")
#endif
#define AppFileVersion GetVersionNumbersString(AppExePath)

[Setup]
; Never change AppId: Windows uses it to recognise upgrades and to find the uninstaller.
AppId={{24BB522D-62F3-464E-8DDA-54A83C58FA56}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
VersionInfoVersion={#AppFileVersion}
VersionInfoProductVersion={#AppFileVersion}
VersionInfoDescription={#AppName} setup
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=
DefaultDirName={userpf}\{#AppName}
DisableDirPage=auto
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
WizardStyle=modern
SetupIconFile=..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
ChangesAssociations=yes
CloseApplications=yes
RestartApplications=no
OutputDir=..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
LZMANumBlockThreads=4

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
french.ProjectFileType=Projet d'inspection RoadInspect
english.ProjectFileType=RoadInspect inspection project
french.LaunchApp=Lancer RoadInspect
english.LaunchApp=Start RoadInspect

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder bundle; an upgrade first removes the previous _internal (see [InstallDelete]).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Libraries of an older version must not linger next to the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{userprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{userdocs}"; AppUserModelID: "{#AppUserModelID}"; Comment: "{cm:ProjectFileType}"
Name: "{userdesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{userdocs}"; AppUserModelID: "{#AppUserModelID}"; Tasks: desktopicon

[Registry]
; File association, per user (HKCU\Software\Classes), removed on uninstall.
Root: HKCU; Subkey: "Software\Classes\{#ProjectExt}"; ValueType: string; ValueName: ""; ValueData: "{#ProjectProgId}"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\{#ProjectExt}\OpenWithProgids"; ValueType: string; ValueName: "{#ProjectProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\{#ProjectProgId}"; ValueType: string; ValueName: ""; ValueData: "{cm:ProjectFileType}"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\{#ProjectProgId}"; ValueType: string; ValueName: "AppUserModelID"; ValueData: "{#AppUserModelID}"
Root: HKCU; Subkey: "Software\Classes\{#ProjectProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExeName},0"
Root: HKCU; Subkey: "Software\Classes\{#ProjectProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExeName}"" gui ""%1"""
Root: HKCU; Subkey: "Software\Classes\Applications\{#AppExeName}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\Applications\{#AppExeName}\SupportedTypes"; ValueType: string; ValueName: "{#ProjectExt}"; ValueData: ""

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder and the app's disposable cache (QStandardPaths CacheLocation). The user's
; projects, exports, settings and logs are left alone.
Type: filesandordirs; Name: "{app}"
Type: filesandordirs; Name: "{localappdata}\{#AppPublisher}\{#AppName}\cache"
; roadinspect.core.backends keeps exported ONNX models here (only with the optional `fast` backends).
Type: filesandordirs; Name: "{localappdata}\{#AppName}\cache"
