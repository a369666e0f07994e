<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>CameraDialog</name>
    <message numerus="yes">
        <source>{camera}
%n photo(s)</source>
        <translation>
            <numerusform>{camera}
%n photo</numerusform>
            <numerusform>{camera}
%n photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CameraTexts</name>
    <message numerus="yes">
        <source>The new camera changes the measures of %n finding(s) (length, width, area, position, and the severity that follows). Reviews and corrections are kept; Edit › Undo puts the earlier camera and measures back.</source>
        <translation>
            <numerusform>The new camera changes the measures of %n finding (length, width, area, position, and the severity that follows). Reviews and corrections are kept; Edit › Undo puts the earlier camera and measures back.</numerusform>
            <numerusform>The new camera changes the measures of %n findings (length, width, area, position, and the severity that follows). Reviews and corrections are kept; Edit › Undo puts the earlier camera and measures back.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Change the camera (%n finding(s) measured again)</source>
        <translation>
            <numerusform>Change the camera (%n finding measured again)</numerusform>
            <numerusform>Change the camera (%n findings measured again)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Camera changed: %n finding(s) measured again</source>
        <translation>
            <numerusform>Camera changed: %n finding measured again</numerusform>
            <numerusform>Camera changed: %n findings measured again</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n could not be measured (kept as they were)</source>
        <translation>
            <numerusform>, %n could not be measured (kept as it was)</numerusform>
            <numerusform>, %n could not be measured (kept as they were)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n edited meanwhile (left as they are)</source>
        <translation>
            <numerusform>, %n edited meanwhile (left as it is)</numerusform>
            <numerusform>, %n edited meanwhile (left as they are)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ClockOffsetDialog</name>
    <message numerus="yes">
        <source>The positions of %n photo(s) without their own GPS position are replaced at once. This cannot be undone (the audit log keeps the old positions).</source>
        <translation>
            <numerusform>The position of %n photo without its own GPS position is replaced at once. This cannot be undone (the audit log keeps the old position).</numerusform>
            <numerusform>The positions of %n photos without their own GPS position are replaced at once. This cannot be undone (the audit log keeps the old positions).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Gpx</name>
    <message numerus="yes">
        <source>%n photo(s) placed</source>
        <translation>
            <numerusform>%n photo placed</numerusform>
            <numerusform>%n photos placed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n more between placed photos</source>
        <translation>
            <numerusform>, %n more between placed photos</numerusform>
            <numerusform>, %n more between placed photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n still without position</source>
        <translation>
            <numerusform>, %n still without position</numerusform>
            <numerusform>, %n still without position</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) still without position:</source>
        <translation>
            <numerusform>%n photo still without position:</numerusform>
            <numerusform>%n photos still without position:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>… and %n more</numerusform>
            <numerusform>… and %n more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n photo(s) added</source>
        <translation>
            <numerusform>%n photo added</numerusform>
            <numerusform>%n photos added</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n duplicate(s) skipped</source>
        <translation>
            <numerusform>, %n duplicate skipped</numerusform>
            <numerusform>, %n duplicates skipped</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n unreadable file(s) (see the photo list)</source>
        <translation>
            <numerusform>, %n unreadable file (see the photo list)</numerusform>
            <numerusform>, %n unreadable files (see the photo list)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Analysis finished: %n photo(s)</source>
        <translation>
            <numerusform>Analysis finished: %n photo</numerusform>
            <numerusform>Analysis finished: %n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n finding(s)</source>
        <translation>
            <numerusform>%n finding</numerusform>
            <numerusform>%n findings</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n photo(s) could not be analysed</source>
        <translation>
            <numerusform>, %n photo could not be analysed</numerusform>
            <numerusform>, %n photos could not be analysed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Analysis cancelled after %n photo(s); F5 continues it.</source>
        <translation>
            <numerusform>Analysis cancelled after %n photo; F5 continues it.</numerusform>
            <numerusform>Analysis cancelled after %n photos; F5 continues it.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReviewCounter</name>
    <message numerus="yes">
        <source>{done} of %n finding(s) reviewed</source>
        <translation>
            <numerusform>{done} of %n finding reviewed</numerusform>
            <numerusform>{done} of %n findings reviewed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RoadRegionEditor</name>
    <message numerus="yes">
        <source>Road region saved: %n photo(s) will be analysed again (F5).</source>
        <translation>
            <numerusform>Road region saved: %n photo will be analysed again (F5).</numerusform>
            <numerusform>Road region saved: %n photos will be analysed again (F5).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SitesPanel</name>
    <message numerus="yes">
        <source>%n site(s)</source>
        <translation>
            <numerusform>%n site</numerusform>
            <numerusform>%n sites</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n road section(s)</source>
        <translation>
            <numerusform>%n road section</numerusform>
            <numerusform>%n road sections</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rejected finding(s), in no site</source>
        <translation>
            <numerusform>%n rejected finding, in no site</numerusform>
            <numerusform>%n rejected findings, in no site</numerusform>
        </translation>
    </message>
</context>
</TS>
