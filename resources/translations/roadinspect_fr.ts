<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr">
<context>
    <name>About</name>
    <message>
        <source>{name}: not installed</source>
        <translation>{name} : non installé</translation>
    </message>
    <message>
        <source>Third-party software</source>
        <translation>Logiciels tiers</translation>
    </message>
    <message>
        <source>Qt and PySide6 are used under the GNU LGPL v3: they are unmodified, separate libraries in the install folder that you may replace; their source code is available from the Qt Project.</source>
        <translation>Qt et PySide6 sont utilisés sous la licence GNU LGPL v3 : ce sont des bibliothèques séparées et non modifiées, dans le dossier d&apos;installation, que vous pouvez remplacer ; leur code source est disponible auprès du Qt Project.</translation>
    </message>
    <message>
        <source>Model training data</source>
        <translation>Données d&apos;entraînement du modèle</translation>
    </message>
    <message>
        <source>non-commercial research use only</source>
        <translation>usage de recherche non commercial uniquement</translation>
    </message>
    <message>
        <source>CrackForest is licensed for non-commercial research only</source>
        <translation>CrackForest n&apos;est autorisé que pour la recherche non commerciale</translation>
    </message>
    <message>
        <source>see the notices before any commercial use of the model.</source>
        <translation>lisez les avis avant tout usage commercial du modèle.</translation>
    </message>
    <message>
        <source>All licence texts: {link}</source>
        <translation>Tous les textes de licence : {link}</translation>
    </message>
    <message>
        <source>&lt;h3&gt;RoadInspect {version}&lt;/h3&gt;&lt;p&gt;Finds cracks and potholes in geotagged road photos, lets the inspector review them on the photo and on the map, and exports a prioritised maintenance list.&lt;/p&gt;&lt;p&gt;Model: {model}&lt;/p&gt;&lt;p&gt;Data and logs: {data}&lt;/p&gt;&lt;p&gt;Map data © OpenStreetMap contributors (when the map background is on).&lt;/p&gt;</source>
        <translation>&lt;h3&gt;RoadInspect {version}&lt;/h3&gt;&lt;p&gt;Détecte les fissures et les nids-de-poule sur des photos de chaussée géolocalisées, permet à l&apos;inspecteur de les contrôler sur la photo et sur la carte, et exporte une liste d&apos;interventions classées par priorité.&lt;/p&gt;&lt;p&gt;Modèle : {model}&lt;/p&gt;&lt;p&gt;Données et journaux : {data}&lt;/p&gt;&lt;p&gt;Données cartographiques © contributeurs OpenStreetMap (lorsque le fond de carte est activé).&lt;/p&gt;</translation>
    </message>
    <message>
        <source>About RoadInspect</source>
        <translation>À propos de RoadInspect</translation>
    </message>
</context>
<context>
    <name>Actions</name>
    <message>
        <source>&amp;New inspection from a folder…</source>
        <translation>&amp;Nouvelle inspection depuis un dossier…</translation>
    </message>
    <message>
        <source>Create a project and analyse a folder of photos</source>
        <translation>Créer un projet et analyser un dossier de photos</translation>
    </message>
    <message>
        <source>&amp;Add photos to this project…</source>
        <translation>&amp;Ajouter des photos à ce projet…</translation>
    </message>
    <message>
        <source>Add a folder of photos to the open project</source>
        <translation>Ajouter un dossier de photos au projet ouvert</translation>
    </message>
    <message>
        <source>Place photos on a &amp;GPX track…</source>
        <translation>Placer les photos sur une &amp;trace GPX…</translation>
    </message>
    <message>
        <source>Give the photos without GPS a position from a GPX log of the drive</source>
        <translation>Positionner les photos sans GPS à l&apos;aide de la trace GPX du parcours</translation>
    </message>
    <message>
        <source>&amp;Open project…</source>
        <translation>&amp;Ouvrir un projet…</translation>
    </message>
    <message>
        <source>Open a RoadInspect project file</source>
        <translation>Ouvrir un fichier de projet RoadInspect</translation>
    </message>
    <message>
        <source>Open the &amp;demo project</source>
        <translation>Ouvrir le projet de &amp;démonstration</translation>
    </message>
    <message>
        <source>The bundled sample photos of a French road</source>
        <translation>Les photos d&apos;exemple fournies, prises sur une route française</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;Exporter…</translation>
    </message>
    <message>
        <source>Maintenance list as CSV, GeoJSON, GeoPackage, report</source>
        <translation>Liste des interventions en CSV, GeoJSON, GeoPackage, rapport</translation>
    </message>
    <message>
        <source>Export &amp;training set…</source>
        <translation>Exporter un jeu d&apos;&amp;entraînement…</translation>
    </message>
    <message>
        <source>Corrected photos as images/ + masks/ for training</source>
        <translation>Photos corrigées en images/ + masks/ pour l&apos;entraînement</translation>
    </message>
    <message>
        <source>&amp;Split for inspectors…</source>
        <translation>&amp;Répartir entre inspecteurs…</translation>
    </message>
    <message>
        <source>Part files of this project for several inspectors (whole road sections)</source>
        <translation>Des fichiers parties de ce projet pour plusieurs inspecteurs (tronçons entiers)</translation>
    </message>
    <message>
        <source>&amp;Merge reviews…</source>
        <translation>&amp;Fusionner les décisions…</translation>
    </message>
    <message>
        <source>Bring the decisions made in part files back into this project</source>
        <translation>Rapatrier dans ce projet les décisions prises dans les fichiers parties</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Paramètres…</translation>
    </message>
    <message>
        <source>&amp;Analyse photos</source>
        <translation>&amp;Analyser les photos</translation>
    </message>
    <message>
        <source>Analyse the photos not analysed yet (F5)</source>
        <translation>Analyser les photos pas encore analysées (F5)</translation>
    </message>
    <message>
        <source>&amp;Cancel background task</source>
        <translation>A&amp;nnuler la tâche en cours</translation>
    </message>
    <message>
        <source>Stop the analysis, import or export</source>
        <translation>Arrêter l&apos;analyse, l&apos;import ou l&apos;export</translation>
    </message>
    <message>
        <source>Road &amp;region of this camera…</source>
        <translation>&amp;Zone de chaussée de cet appareil…</translation>
    </message>
    <message>
        <source>Where findings are kept: correct the shaded area that is not road</source>
        <translation>Où les détections sont gardées : corriger la zone grisée qui n’est pas la chaussée</translation>
    </message>
    <message>
        <source>Camera of t&amp;his project…</source>
        <translation>&amp;Caméra de ce projet…</translation>
    </message>
    <message>
        <source>Height and pitch of each camera of this project; the findings are measured again</source>
        <translation>Hauteur et inclinaison de chaque caméra de ce projet ; les dégradations sont mesurées à nouveau</translation>
    </message>
    <message>
        <source>&amp;Accept finding</source>
        <translation>&amp;Accepter la dégradation</translation>
    </message>
    <message>
        <source>Accept the selected finding (A)</source>
        <translation>Accepter la dégradation sélectionnée (A)</translation>
    </message>
    <message>
        <source>&amp;Reject finding</source>
        <translation>&amp;Rejeter la dégradation</translation>
    </message>
    <message>
        <source>Reject the selected finding (R)</source>
        <translation>Rejeter la dégradation sélectionnée (R)</translation>
    </message>
    <message>
        <source>It is a &amp;crack</source>
        <translation>C&apos;est une &amp;fissure</translation>
    </message>
    <message>
        <source>Change the finding&apos;s type to crack (1)</source>
        <translation>Changer le type de la dégradation en fissure (1)</translation>
    </message>
    <message>
        <source>It is a &amp;pothole</source>
        <translation>C&apos;est un n&amp;id-de-poule</translation>
    </message>
    <message>
        <source>Change the finding&apos;s type to pothole (2)</source>
        <translation>Changer le type de la dégradation en nid-de-poule (2)</translation>
    </message>
    <message>
        <source>&amp;Next finding</source>
        <translation>Dégradation &amp;suivante</translation>
    </message>
    <message>
        <source>Next finding (J or →)</source>
        <translation>Dégradation suivante (J ou →)</translation>
    </message>
    <message>
        <source>&amp;Previous finding</source>
        <translation>Dégradation &amp;précédente</translation>
    </message>
    <message>
        <source>Previous finding (K or ←)</source>
        <translation>Dégradation précédente (K ou ←)</translation>
    </message>
    <message>
        <source>Next finding to &amp;review</source>
        <translation>Prochaine dégradation à &amp;contrôler</translation>
    </message>
    <message>
        <source>Next finding not reviewed yet, in any listed photo (U)</source>
        <translation>Prochaine dégradation pas encore contrôlée, dans les photos listées (U)</translation>
    </message>
    <message>
        <source>Next p&amp;hoto</source>
        <translation>P&amp;hoto suivante</translation>
    </message>
    <message>
        <source>Next photo (↓)</source>
        <translation>Photo suivante (↓)</translation>
    </message>
    <message>
        <source>Previous ph&amp;oto</source>
        <translation>Ph&amp;oto précédente</translation>
    </message>
    <message>
        <source>Previous photo (↑)</source>
        <translation>Photo précédente (↑)</translation>
    </message>
    <message>
        <source>Damage &amp;overlay</source>
        <translation>&amp;Calque des dégradations</translation>
    </message>
    <message>
        <source>Show or hide the damage overlay (Space)</source>
        <translation>Afficher ou masquer le calque des dégradations (Espace)</translation>
    </message>
    <message>
        <source>&amp;Fit photo</source>
        <translation>&amp;Ajuster la photo</translation>
    </message>
    <message>
        <source>Fit the whole photo (F)</source>
        <translation>Afficher toute la photo (F)</translation>
    </message>
    <message>
        <source>Zoom &amp;in</source>
        <translation>Zoom a&amp;vant</translation>
    </message>
    <message>
        <source>Zoom o&amp;ut</source>
        <translation>Zoom a&amp;rrière</translation>
    </message>
    <message>
        <source>&amp;Move and select</source>
        <translation>&amp;Déplacer et sélectionner</translation>
    </message>
    <message>
        <source>Pan, zoom and select findings (N or Esc)</source>
        <translation>Déplacer, zoomer et sélectionner les dégradations (N ou Échap)</translation>
    </message>
    <message>
        <source>Mask &amp;brush</source>
        <translation>&amp;Pinceau de masque</translation>
    </message>
    <message>
        <source>Paint onto the selected finding&apos;s mask, or a missed finding (B; 1/2 its class; [ and ] change the size)</source>
        <translation>Peindre sur le masque de la dégradation sélectionnée, ou une dégradation manquée (B ; 1/2 sa classe ; [ et ] changent la taille)</translation>
    </message>
    <message>
        <source>Mask &amp;eraser</source>
        <translation>&amp;Gomme de masque</translation>
    </message>
    <message>
        <source>Erase from the selected finding&apos;s mask (E)</source>
        <translation>Effacer une partie du masque de la dégradation sélectionnée (E)</translation>
    </message>
    <message>
        <source>Draw a missed &amp;finding</source>
        <translation>Dessiner une dégradation &amp;oubliée</translation>
    </message>
    <message>
        <source>Click the corners, double-click or Enter to finish (P)</source>
        <translation>Cliquez les sommets, double-clic ou Entrée pour terminer (P)</translation>
    </message>
    <message>
        <source>Apply the &amp;correction</source>
        <translation>Appli&amp;quer la correction</translation>
    </message>
    <message>
        <source>Apply the mask correction or close the polygon (Enter)</source>
        <translation>Appliquer la correction du masque ou fermer le polygone (Entrée)</translation>
    </message>
    <message>
        <source>Online map &amp;tiles</source>
        <translation>Fond de carte en &amp;ligne</translation>
    </message>
    <message>
        <source>Download the map&apos;s background from the tile server set in Settings (asks first)</source>
        <translation>Télécharger le fond de carte depuis le serveur de tuiles choisi dans les Paramètres (demande d&apos;abord)</translation>
    </message>
    <message>
        <source>&amp;About RoadInspect</source>
        <translation>À &amp;propos de RoadInspect</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>&amp;Raccourcis clavier</translation>
    </message>
    <message>
        <source>Every key of the window, searchable (F1)</source>
        <translation>Toutes les touches de la fenêtre, avec recherche (F1)</translation>
    </message>
    <message>
        <source>&amp;Getting started</source>
        <translation>&amp;Prise en main</translation>
    </message>
    <message>
        <source>From a folder of photos to the maintenance list</source>
        <translation>D&apos;un dossier de photos à la liste des interventions</translation>
    </message>
    <message>
        <source>Undo (Ctrl+Z)</source>
        <translation>Annuler (Ctrl+Z)</translation>
    </message>
    <message>
        <source>Redo (Ctrl+Shift+Z)</source>
        <translation>Rétablir (Ctrl+Maj+Z)</translation>
    </message>
    <message>
        <source>&amp;Recent projects</source>
        <translation>Projets &amp;récents</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>É&amp;dition</translation>
    </message>
    <message>
        <source>&amp;Review</source>
        <translation>&amp;Contrôle</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Affichage</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Outils</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Aide</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>Barre d&apos;outils principale</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Unexpected error</source>
        <translation>Erreur inattendue</translation>
    </message>
    <message>
        <source>RoadInspect hit an unexpected error. Your work is saved in the project file.

{error}

Details were written to:
{log}</source>
        <translation>RoadInspect a rencontré une erreur inattendue. Votre travail est enregistré dans le fichier du projet.

{error}

Les détails ont été écrits dans :
{log}</translation>
    </message>
    <message>
        <source>RoadInspect cannot start</source>
        <translation>RoadInspect ne peut pas démarrer</translation>
    </message>
</context>
<context>
    <name>CameraDialog</name>
    <message>
        <source>Camera of these photos</source>
        <translation>Caméra de ces photos</translation>
    </message>
    <message>
        <source>Camera of this project</source>
        <translation>Caméra de ce projet</translation>
    </message>
    <message>
        <source>The photos&apos; EXIF does not say how high the camera was above the road nor how far it looked down. Both set the findings&apos; measures (lengths, widths, areas) and their positions on the map: give them for each camera of this project.</source>
        <translation>L&apos;EXIF des photos ne dit ni à quelle hauteur au-dessus de la chaussée se trouvait la caméra, ni de combien elle regardait vers le bas. Les deux fixent les mesures des dégradations (longueurs, largeurs, surfaces) et leur position sur la carte : indiquez-les pour chaque caméra de ce projet.</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Caméra</translation>
    </message>
    <message>
        <source>Height above the road</source>
        <translation>Hauteur au-dessus de la chaussée</translation>
    </message>
    <message>
        <source>Pitch below the horizon</source>
        <translation>Inclinaison sous l&apos;horizon</translation>
    </message>
    <message>
        <source>Field of view</source>
        <translation>Champ de vision</translation>
    </message>
    <message>
        <source>unknown camera</source>
        <translation>caméra inconnue</translation>
    </message>
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
    <message>
        <source>values of {project}</source>
        <translation>valeurs de {project}</translation>
    </message>
    <message>
        <source> m</source>
        <translation> m</translation>
    </message>
    <message>
        <source> °</source>
        <translation> °</translation>
    </message>
    <message>
        <source>Height above the road of {camera}</source>
        <translation>Hauteur au-dessus de la chaussée de {camera}</translation>
    </message>
    <message>
        <source>Pitch below the horizon of {camera}</source>
        <translation>Inclinaison sous l&apos;horizon de {camera}</translation>
    </message>
    <message>
        <source>{focal} mm (35-mm equivalent)
from EXIF</source>
        <translation>{focal} mm (équivalent 24x36)
lue dans l&apos;EXIF</translation>
    </message>
    <message>
        <source>EXIF gives no focal length for these photos: the horizontal field of view of the camera (about 70° for a dash camera, 65° for a phone)</source>
        <translation>L&apos;EXIF ne donne pas de focale pour ces photos : le champ de vision horizontal de la caméra (environ 70° pour une caméra embarquée, 65° pour un téléphone)</translation>
    </message>
    <message>
        <source>Field of view of {camera}</source>
        <translation>Champ de vision de {camera}</translation>
    </message>
    <message>
        <source>Typical values: a dash camera behind the windscreen 1.2-1.5 m and 5-15°; a camera on the roof 2-2.5 m. Tools › Camera of this project… changes them later and measures the findings again.</source>
        <translation>Valeurs courantes : caméra derrière le pare-brise 1,2-1,5 m et 5-15° ; caméra sur le toit 2-2,5 m. Outils › Caméra de ce projet… les modifie ensuite et mesure à nouveau les dégradations.</translation>
    </message>
    <message>
        <source>Camera not confirmed: the proposed values are used (Tools › Camera of this project… changes them).</source>
        <translation>Caméra non confirmée : les valeurs proposées sont utilisées (Outils › Caméra de ce projet… les modifie).</translation>
    </message>
    <message>
        <source>Camera of this project: {height} m above the road, {pitch}° below the horizon; focal length from EXIF for {exif} of {total} photos, otherwise a {hfov}° field of view (Tools › Camera of this project… changes it)</source>
        <translation>Caméra de ce projet : {height} m au-dessus de la chaussée, {pitch}° sous l&apos;horizon ; focale lue dans l&apos;EXIF pour {exif} photos sur {total}, sinon un champ de vision de {hfov}° (Outils › Caméra de ce projet… la modifie)</translation>
    </message>
    <message>
        <source>{camera}: {height} m, {pitch}°</source>
        <translation>{camera} : {height} m, {pitch}°</translation>
    </message>
    <message>
        <source>Measure the findings again?</source>
        <translation>Mesurer à nouveau les dégradations ?</translation>
    </message>
    <message>
        <source>Measure again</source>
        <translation>Mesurer à nouveau</translation>
    </message>
    <message>
        <source>Please wait for the task under way to finish before changing the camera.</source>
        <translation>Attendez la fin de la tâche en cours avant de changer la caméra.</translation>
    </message>
    <message>
        <source>Camera unchanged.</source>
        <translation>Caméra inchangée.</translation>
    </message>
    <message>
        <source>Camera unchanged: measuring again was cancelled, nothing was written.</source>
        <translation>Caméra inchangée : la nouvelle mesure a été annulée, rien n&apos;a été écrit.</translation>
    </message>
    <message>
        <source>Measuring the findings again</source>
        <translation>Nouvelle mesure des dégradations</translation>
    </message>
    <message>
        <source>findings</source>
        <translation>dégradations</translation>
    </message>
    <message>
        <source>The project has no photo yet: its camera is asked at the import.</source>
        <translation>Le projet n&apos;a pas encore de photo : sa caméra est demandée à l&apos;import.</translation>
    </message>
</context>
<context>
    <name>CameraTexts</name>
    <message numerus="yes">
        <source>The new camera changes the measures of %n finding(s) (length, width, area, position, and the severity that follows). Reviews and corrections are kept; Edit › Undo puts the earlier camera and measures back.</source>
        <translation>
            <numerusform>La nouvelle caméra change les mesures de %n dégradation (longueur, largeur, surface, position, et la gravité qui en découle). Les décisions et corrections sont conservées ; Édition › Annuler remet la caméra et les mesures précédentes.</numerusform>
            <numerusform>La nouvelle caméra change les mesures de %n dégradations (longueur, largeur, surface, position, et la gravité qui en découle). Les décisions et corrections sont conservées ; Édition › Annuler remet la caméra et les mesures précédentes.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Change the camera (%n finding(s) measured again)</source>
        <translation>
            <numerusform>Changer la caméra (%n dégradation mesurée à nouveau)</numerusform>
            <numerusform>Changer la caméra (%n dégradations mesurées à nouveau)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Camera changed: %n finding(s) measured again</source>
        <translation>
            <numerusform>Caméra changée : %n dégradation mesurée à nouveau</numerusform>
            <numerusform>Caméra changée : %n dégradations mesurées à nouveau</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n could not be measured (kept as they were)</source>
        <translation>
            <numerusform>, %n n&apos;a pas pu être mesurée (laissée telle quelle)</numerusform>
            <numerusform>, %n n&apos;ont pas pu être mesurées (laissées telles quelles)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n edited meanwhile (left as they are)</source>
        <translation>
            <numerusform>, %n modifiée entre-temps (laissée telle quelle)</numerusform>
            <numerusform>, %n modifiées entre-temps (laissées telles quelles)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ClockOffsetDialog</name>
    <message>
        <source>Place photos on a GPX track</source>
        <translation>Placer les photos sur une trace GPX</translation>
    </message>
    <message>
        <source>Track: {file}</source>
        <translation>Trace : {file}</translation>
    </message>
    <message>
        <source>Camera clock offset</source>
        <translation>Décalage de l&apos;horloge de l&apos;appareil</translation>
    </message>
    <message>
        <source>Seconds to add to the camera clock to get UTC (a camera 30 s slow: +30). Camera times without a time zone are read in this computer&apos;s time zone.</source>
        <translation>Secondes à ajouter à l&apos;horloge de l&apos;appareil pour obtenir l&apos;heure UTC (appareil en retard de 30 s : +30). Les heures sans fuseau horaire sont lues dans le fuseau horaire de cet ordinateur.</translation>
    </message>
    <message numerus="yes">
        <source>The positions of %n photo(s) without their own GPS position are replaced at once. This cannot be undone (the audit log keeps the old positions).</source>
        <translation>
            <numerusform>La position de %n photo sans position GPS propre est remplacée en une fois. Cette opération ne peut pas être annulée (le journal d&apos;audit garde l&apos;ancienne position).</numerusform>
            <numerusform>Les positions des %n photos sans position GPS propre sont remplacées en une fois. Cette opération ne peut pas être annulée (le journal d&apos;audit garde les anciennes positions).</numerusform>
        </translation>
    </message>
    <message>
        <source>Place photos</source>
        <translation>Placer les photos</translation>
    </message>
</context>
<context>
    <name>Commands</name>
    <message>
        <source>Accept finding {n}</source>
        <translation>Accepter la dégradation {n}</translation>
    </message>
    <message>
        <source>Reject finding {n}</source>
        <translation>Rejeter la dégradation {n}</translation>
    </message>
    <message>
        <source>Change finding {n} to {v}</source>
        <translation>Changer la dégradation {n} en {v}</translation>
    </message>
    <message>
        <source>Set severity of finding {n} to {v}</source>
        <translation>Gravité de la dégradation {n} : {v}</translation>
    </message>
    <message>
        <source>Set the crack type of finding {n} to {v}</source>
        <translation>Type de fissure de la dégradation {n} : {v}</translation>
    </message>
    <message>
        <source>Note on finding {n}</source>
        <translation>Remarque sur la dégradation {n}</translation>
    </message>
    <message>
        <source>Correct the mask of finding {n}</source>
        <translation>Corriger le masque de la dégradation {n}</translation>
    </message>
    <message>
        <source>Add a missed finding ({kind})</source>
        <translation>Ajouter une dégradation oubliée ({kind})</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export</source>
        <translation>Exporter</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Parcourir…</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <source>Maintenance list, CSV (Excel)</source>
        <translation>Liste des interventions, CSV (Excel)</translation>
    </message>
    <message>
        <source>GeoJSON (QGIS)</source>
        <translation>GeoJSON (QGIS)</translation>
    </message>
    <message>
        <source>GeoPackage (QGIS)</source>
        <translation>GeoPackage (QGIS)</translation>
    </message>
    <message>
        <source>Supervisor&apos;s report (HTML)</source>
        <translation>Rapport pour le responsable (HTML)</translation>
    </message>
    <message>
        <source>Training set of the corrections (images/ + masks/)</source>
        <translation>Jeu d&apos;entraînement des corrections (images/ + masks/)</translation>
    </message>
    <message>
        <source>Excel, French (; and decimal comma)</source>
        <translation>Excel, français (; et virgule décimale)</translation>
    </message>
    <message>
        <source>Plain (, and decimal point)</source>
        <translation>Standard (, et point décimal)</translation>
    </message>
    <message>
        <source>CSV format</source>
        <translation>Format CSV</translation>
    </message>
    <message>
        <source>all</source>
        <translation>tous</translation>
    </message>
    <message>
        <source>Sites shown in the report as cards with their photo, in priority order; the others are listed in a compact table (0: all as cards).</source>
        <translation>Points présentés dans le rapport en fiches avec leur photo, par ordre de priorité ; les autres sont listés dans un tableau compact (0 : tous en fiches).</translation>
    </message>
    <message>
        <source>Report: sites with photo</source>
        <translation>Rapport : points avec photo</translation>
    </message>
    <message>
        <source>Export folder</source>
        <translation>Dossier d&apos;export</translation>
    </message>
    <message>
        <source>Tick at least one format.</source>
        <translation>Cochez au moins un format.</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Export en cours…</translation>
    </message>
    <message>
        <source>Written to {folder}: {files}</source>
        <translation>Écrit dans {folder} : {files}</translation>
    </message>
    <message>
        <source>Not written:</source>
        <translation>Non écrits :</translation>
    </message>
    <message>
        <source>Export failed: {error}</source>
        <translation>Échec de l&apos;export : {error}</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Annulation…</translation>
    </message>
</context>
<context>
    <name>FindingTableModel</name>
    <message>
        <source>#</source>
        <translation>N°</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Gravité</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <source>Confidence</source>
        <translation>Confiance</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>État</translation>
    </message>
</context>
<context>
    <name>FindingsPanel</name>
    <message>
        <source>Length</source>
        <translation>Longueur</translation>
    </message>
    <message>
        <source>Mean width</source>
        <translation>Largeur moyenne</translation>
    </message>
    <message>
        <source>Max width</source>
        <translation>Largeur maximale</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>Surface</translation>
    </message>
    <message>
        <source>Diameter</source>
        <translation>Diamètre</translation>
    </message>
    <message>
        <source>Length (pixels)</source>
        <translation>Longueur (pixels)</translation>
    </message>
    <message>
        <source>Area (pixels)</source>
        <translation>Surface (pixels)</translation>
    </message>
    <message>
        <source>Distance from camera</source>
        <translation>Distance à la caméra</translation>
    </message>
    <message>
        <source>Uncertainty</source>
        <translation>Incertitude</translation>
    </message>
    <message>
        <source>Model confidence</source>
        <translation>Confiance du modèle</translation>
    </message>
    <message>
        <source>Drawn by an inspector</source>
        <translation>Dessinée par un inspecteur</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>Position</translation>
    </message>
    <message>
        <source>Reviewed by</source>
        <translation>Contrôlée par</translation>
    </message>
    <message>
        <source>Accept  (A)</source>
        <translation>Accepter  (A)</translation>
    </message>
    <message>
        <source>Reject  (R)</source>
        <translation>Rejeter  (R)</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Crack type</source>
        <translation>Type de fissure</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Gravité</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Remarque</translation>
    </message>
    <message>
        <source>Remark for the maintenance team</source>
        <translation>Remarque pour l&apos;équipe d&apos;entretien</translation>
    </message>
    <message>
        <source>Selected finding</source>
        <translation>Dégradation sélectionnée</translation>
    </message>
</context>
<context>
    <name>GettingStartedDialog</name>
    <message>
        <source>Getting started</source>
        <translation>Prise en main</translation>
    </message>
    <message>
        <source>&lt;h3&gt;From road photos to a maintenance list&lt;/h3&gt;&lt;ol&gt;&lt;li&gt;&lt;b&gt;File › New inspection&lt;/b&gt;: choose the folder of the drive&apos;s photos (GPS in their EXIF, or &lt;b&gt;File › Place photos on a GPX track&lt;/b&gt;). The photos are analysed in the background.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Review&lt;/b&gt; every finding: J / K move to the next or previous one, U to the next one still to review; A accepts, R rejects, 1 and 2 change the type (crack, pothole). Undo: Ctrl+Z.&lt;/li&gt;&lt;li&gt;Correct a mask with the brush (B) or the eraser (E) and Enter; draw a missed finding with P (its corners) or paint it with B (no finding selected, or outside the dashed frame), 1 or 2 for its type, then Enter.&lt;/li&gt;&lt;li&gt;The &lt;b&gt;Maintenance list&lt;/b&gt; ranks the sites by priority; the map shows them with the road sections.&lt;/li&gt;&lt;li&gt;&lt;b&gt;File › Export&lt;/b&gt;: CSV for Excel, GeoJSON and GeoPackage for QGIS, the supervisor&apos;s report.&lt;/li&gt;&lt;/ol&gt;&lt;p&gt;Every decision is saved at once in the project file.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Des photos de la route à la liste des interventions&lt;/h3&gt;&lt;ol&gt;&lt;li&gt;&lt;b&gt;Fichier › Nouvelle inspection&lt;/b&gt; : choisissez le dossier des photos du parcours (GPS dans leur EXIF, ou &lt;b&gt;Fichier › Placer les photos sur une trace GPX&lt;/b&gt;). Les photos sont analysées en arrière-plan.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Contrôlez&lt;/b&gt; chaque dégradation : J / K passent à la suivante ou à la précédente, U à la prochaine encore à contrôler ; A accepte, R rejette, 1 et 2 changent le type (fissure, nid-de-poule). Annuler : Ctrl+Z.&lt;/li&gt;&lt;li&gt;Corrigez un masque au pinceau (B) ou à la gomme (E) puis Entrée ; dessinez une dégradation manquée avec P (ses coins) ou peignez-la avec B (aucune dégradation sélectionnée, ou hors du cadre en pointillés), 1 ou 2 pour son type, puis Entrée.&lt;/li&gt;&lt;li&gt;La &lt;b&gt;liste des interventions&lt;/b&gt; classe les points par priorité ; la carte les montre avec les tronçons.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fichier › Exporter&lt;/b&gt; : CSV pour Excel, GeoJSON et GeoPackage pour QGIS, le rapport pour le responsable.&lt;/li&gt;&lt;/ol&gt;&lt;p&gt;Chaque décision est enregistrée aussitôt dans le fichier du projet.&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>Gpx</name>
    <message>
        <source>GPX track of the drive</source>
        <translation>Trace GPX du parcours</translation>
    </message>
    <message>
        <source>GPX tracks (*.gpx);;All files (*)</source>
        <translation>Traces GPX (*.gpx);;Tous les fichiers (*)</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) placed</source>
        <translation>
            <numerusform>%n photo placée</numerusform>
            <numerusform>%n photos placées</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n more between placed photos</source>
        <translation>
            <numerusform>, %n autre entre des photos placées</numerusform>
            <numerusform>, %n autres entre des photos placées</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n still without position</source>
        <translation>
            <numerusform>, %n toujours sans position</numerusform>
            <numerusform>, %n toujours sans position</numerusform>
        </translation>
    </message>
    <message>
        <source>no time in its EXIF</source>
        <translation>pas d&apos;heure dans ses EXIF</translation>
    </message>
    <message>
        <source>taken {duration} before the track starts</source>
        <translation>prise {duration} avant le début de la trace</translation>
    </message>
    <message>
        <source>taken {duration} after the track ends</source>
        <translation>prise {duration} après la fin de la trace</translation>
    </message>
    <message>
        <source>taken during a {duration} gap in the track</source>
        <translation>prise pendant une interruption de {duration} de la trace</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) still without position:</source>
        <translation>
            <numerusform>%n photo toujours sans position :</numerusform>
            <numerusform>%n photos toujours sans position :</numerusform>
        </translation>
    </message>
    <message>
        <source>• {file}: {reason}</source>
        <translation>• {file} : {reason}</translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>… et %n autre</numerusform>
            <numerusform>… et %n autres</numerusform>
        </translation>
    </message>
    <message>
        <source>Track: {start} to {end} UTC.</source>
        <translation>Trace : de {start} à {end} UTC.</translation>
    </message>
    <message>
        <source>Photos (camera clock {offset} s): {start} to {end} UTC.</source>
        <translation>Photos (horloge de l&apos;appareil {offset} s) : de {start} à {end} UTC.</translation>
    </message>
    <message>
        <source>When every photo is off by about the same time, the clock offset is wrong (a whole number of hours: a time zone).</source>
        <translation>Si toutes les photos sont décalées d&apos;à peu près la même durée, le décalage d&apos;horloge est faux (un nombre entier d&apos;heures : un fuseau horaire).</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>Longitudinal crack</source>
        <translation>Fissure longitudinale</translation>
    </message>
    <message>
        <source>Transverse crack</source>
        <translation>Fissure transversale</translation>
    </message>
    <message>
        <source>Alligator cracking</source>
        <translation>Faïençage</translation>
    </message>
    <message>
        <source>Isolated crack</source>
        <translation>Fissure isolée</translation>
    </message>
    <message>
        <source>Pothole</source>
        <translation>Nid-de-poule</translation>
    </message>
    <message>
        <source>Crack</source>
        <translation>Fissure</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Faible</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>Moyenne</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Élevée</translation>
    </message>
    <message>
        <source>To review</source>
        <translation>À contrôler</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Acceptée</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>Rejetée</translation>
    </message>
    <message>
        <source>Corrected</source>
        <translation>Corrigée</translation>
    </message>
    <message>
        <source>Waiting for analysis</source>
        <translation>En attente d&apos;analyse</translation>
    </message>
    <message>
        <source>Analysed</source>
        <translation>Analysée</translation>
    </message>
    <message>
        <source>Reviewed</source>
        <translation>Contrôlée</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>No position</source>
        <translation>Sans position</translation>
    </message>
    <message>
        <source>No damage</source>
        <translation>Aucune dégradation</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Gravité</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Extent</source>
        <translation>Étendue</translation>
    </message>
    <message>
        <source>Confidence</source>
        <translation>Confiance</translation>
    </message>
    <message>
        <source>good</source>
        <translation>bon</translation>
    </message>
    <message>
        <source>satisfactory</source>
        <translation>satisfaisant</translation>
    </message>
    <message>
        <source>fair</source>
        <translation>moyen</translation>
    </message>
    <message>
        <source>poor</source>
        <translation>médiocre</translation>
    </message>
    <message>
        <source>very poor</source>
        <translation>mauvais</translation>
    </message>
    <message>
        <source>serious</source>
        <translation>très mauvais</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>ruiné</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>The decision could not be recorded</source>
        <translation>La décision n&apos;a pas pu être enregistrée</translation>
    </message>
    <message>
        <source>Reviewer name</source>
        <translation>Nom du contrôleur</translation>
    </message>
    <message>
        <source>Your name, recorded with every decision and in the project&apos;s audit log
(Edit › Settings changes it later):</source>
        <translation>Votre nom, enregistré avec chaque décision et dans le journal du projet
(Édition › Paramètres pour le changer plus tard) :</translation>
    </message>
    <message>
        <source>Nothing recorded: a decision needs the reviewer&apos;s name.</source>
        <translation>Rien n&apos;est enregistré : une décision demande le nom du contrôleur.</translation>
    </message>
    <message>
        <source>Online map tiles</source>
        <translation>Fond de carte en ligne</translation>
    </message>
    <message>
        <source>The map will download its background from {server}.

That server then learns which area you look at (the surveyed roads). Turn online map tiles on?</source>
        <translation>La carte va télécharger son fond depuis {server}.

Ce serveur saura alors quelle zone vous regardez (les routes inspectées). Activer le fond de carte en ligne ?</translation>
    </message>
    <message>
        <source>Open project</source>
        <translation>Ouvrir un projet</translation>
    </message>
    <message>
        <source>RoadInspect projects (*{ext});;All files (*)</source>
        <translation>Projets RoadInspect (*{ext});;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Project already open</source>
        <translation>Projet déjà ouvert</translation>
    </message>
    <message>
        <source>Open it read-only?</source>
        <translation>L&apos;ouvrir en lecture seule ?</translation>
    </message>
    <message>
        <source>Cannot open the project</source>
        <translation>Impossible d&apos;ouvrir le projet</translation>
    </message>
    <message>
        <source>No sample photos</source>
        <translation>Pas de photos d&apos;exemple</translation>
    </message>
    <message>
        <source>The bundled sample photos are missing from {folder}.</source>
        <translation>Les photos d&apos;exemple fournies manquent dans {folder}.</translation>
    </message>
    <message>
        <source>Folder of road photos</source>
        <translation>Dossier de photos de chaussée</translation>
    </message>
    <message>
        <source>Save the new project as</source>
        <translation>Enregistrer le nouveau projet sous</translation>
    </message>
    <message>
        <source>RoadInspect projects (*{ext})</source>
        <translation>Projets RoadInspect (*{ext})</translation>
    </message>
    <message>
        <source>Please wait: {task} is running.</source>
        <translation>Veuillez patienter : {task} est en cours.</translation>
    </message>
    <message>
        <source>{task} failed</source>
        <translation>Échec : {task}</translation>
    </message>
    <message>
        <source>Cancelling… finished photos are kept.</source>
        <translation>Annulation… les photos terminées sont conservées.</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>files</source>
        <translation>fichiers</translation>
    </message>
    <message>
        <source>Every photo has its own GPS position: nothing to place.</source>
        <translation>Toutes les photos ont leur propre position GPS : rien à placer.</translation>
    </message>
    <message>
        <source>Photos still without position</source>
        <translation>Photos toujours sans position</translation>
    </message>
    <message>
        <source>GPX placement</source>
        <translation>Placement GPX</translation>
    </message>
    <message>
        <source>Every photo is already analysed.</source>
        <translation>Toutes les photos sont déjà analysées.</translation>
    </message>
    <message>
        <source>Paint the missed damage (1 crack, 2 pothole first), then press Enter to add it ([ and ] change the brush size).</source>
        <translation>Peignez la dégradation manquée (d&apos;abord 1 fissure, 2 nid-de-poule), puis Entrée pour l&apos;ajouter ([ et ] changent la taille du pinceau).</translation>
    </message>
    <message>
        <source>Paint the damage, then press Enter to apply; a stroke outside the dashed frame draws a new finding ([ and ] change the brush size).</source>
        <translation>Peignez la dégradation, puis Entrée pour appliquer ; un trait hors du cadre en pointillés dessine une nouvelle dégradation ([ et ] changent la taille du pinceau).</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) added</source>
        <translation>
            <numerusform>%n photo ajoutée</numerusform>
            <numerusform>%n photos ajoutées</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n duplicate(s) skipped</source>
        <translation>
            <numerusform>, %n doublon ignoré</numerusform>
            <numerusform>, %n doublons ignorés</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n unreadable file(s) (see the photo list)</source>
        <translation>
            <numerusform>, %n fichier illisible (voir la liste des photos)</numerusform>
            <numerusform>, %n fichiers illisibles (voir la liste des photos)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Analysis finished: %n photo(s)</source>
        <translation>
            <numerusform>Analyse terminée : %n photo</numerusform>
            <numerusform>Analyse terminée : %n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n finding(s)</source>
        <translation>
            <numerusform>%n dégradation</numerusform>
            <numerusform>%n dégradations</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n photo(s) could not be analysed</source>
        <translation>
            <numerusform>, %n photo n&apos;a pas pu être analysée</numerusform>
            <numerusform>, %n photos n&apos;ont pas pu être analysées</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Analysis cancelled after %n photo(s); F5 continues it.</source>
        <translation>
            <numerusform>Analyse annulée après %n photo ; F5 la reprend.</numerusform>
            <numerusform>Analyse annulée après %n photos ; F5 la reprend.</numerusform>
        </translation>
    </message>
    <message>
        <source>Analysis</source>
        <translation>Analyse</translation>
    </message>
    <message>
        <source>photos</source>
        <translation>photos</translation>
    </message>
    <message>
        <source>worst section {id}: {score:.0f}/100 ({rating})</source>
        <translation>tronçon le plus dégradé {id} : {score:.0f}/100 ({rating})</translation>
    </message>
    <message>
        <source>Findings — {name}</source>
        <translation>Dégradations — {name}</translation>
    </message>
    <message>
        <source>Missed finding to draw: {damage} (1 crack, 2 pothole).</source>
        <translation>Dégradation manquée à dessiner : {damage} (1 fissure, 2 nid-de-poule).</translation>
    </message>
    <message>
        <source>Select a finding to correct its mask first.</source>
        <translation>Sélectionnez d&apos;abord une dégradation pour corriger son masque.</translation>
    </message>
    <message>
        <source>Erase what is not damage, then press Enter to apply.</source>
        <translation>Effacez ce qui n&apos;est pas une dégradation, puis Entrée pour appliquer.</translation>
    </message>
    <message>
        <source>Click the corners of the missed damage; double-click or Enter to finish. 1 or 2 first to choose crack or pothole.</source>
        <translation>Cliquez les sommets de la dégradation oubliée ; double-clic ou Entrée pour terminer. 1 ou 2 avant pour choisir fissure ou nid-de-poule.</translation>
    </message>
    <message>
        <source> [read-only]</source>
        <translation> [lecture seule]</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>Photos</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>Dégradations</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>Carte</translation>
    </message>
    <message>
        <source>Maintenance list</source>
        <translation>Liste des interventions</translation>
    </message>
    <message>
        <source>Drop a folder of road photos here, or use File › New inspection.</source>
        <translation>Déposez ici un dossier de photos de chaussée, ou utilisez Fichier › Nouvelle inspection.</translation>
    </message>
    <message>
        <source>Overlay opacity</source>
        <translation>Opacité du calque</translation>
    </message>
</context>
<context>
    <name>MapView</name>
    <message>
        <source>Offline: the tile server cannot be reached</source>
        <translation>Hors ligne : le serveur de tuiles est injoignable</translation>
    </message>
    <message>
        <source>Offline map: no background</source>
        <translation>Carte hors ligne : pas de fond</translation>
    </message>
    <message>
        <source>Sites by priority (rank)</source>
        <translation>Points par priorité (rang)</translation>
    </message>
    <message>
        <source>Sections by condition</source>
        <translation>Tronçons par état</translation>
    </message>
</context>
<context>
    <name>PhotoTableModel</name>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>Dégradations</translation>
    </message>
</context>
<context>
    <name>PhotoView</name>
    <message>
        <source>The eraser only edits the selected finding inside its dashed frame.</source>
        <translation>La gomme ne modifie que la dégradation sélectionnée, dans son cadre en pointillés.</translation>
    </message>
    <message>
        <source>Outside the selected finding: painting a new finding ({damage}; 1 crack, 2 pothole). Enter adds it, Escape drops it.</source>
        <translation>Hors de la dégradation sélectionnée : vous peignez une nouvelle dégradation ({damage} ; 1 fissure, 2 nid-de-poule). Entrée l&apos;ajoute, Échap l&apos;abandonne.</translation>
    </message>
</context>
<context>
    <name>PhotosPanel</name>
    <message>
        <source>All photos</source>
        <translation>Toutes les photos</translation>
    </message>
    <message>
        <source>Still to review</source>
        <translation>À contrôler</translation>
    </message>
    <message>
        <source>With findings</source>
        <translation>Avec dégradations</translation>
    </message>
    <message>
        <source>With a merge conflict</source>
        <translation>Avec un conflit de fusion</translation>
    </message>
    <message>
        <source>All damage types</source>
        <translation>Tous les types</translation>
    </message>
    <message>
        <source>Any crack</source>
        <translation>Toutes les fissures</translation>
    </message>
</context>
<context>
    <name>Project</name>
    <message>
        <source>process {pid} on {host}</source>
        <translation>processus {pid} sur {host}</translation>
    </message>
    <message>
        <source>another program</source>
        <translation>un autre programme</translation>
    </message>
    <message>
        <source>{file} is already open in RoadInspect ({who}). Close it there first, or open it read-only.</source>
        <translation>{file} est déjà ouvert dans RoadInspect ({who}). Fermez-le d&apos;abord là-bas, ou ouvrez-le en lecture seule.</translation>
    </message>
    <message>
        <source>{file}: cannot create the lock file {lock} (is the folder read-only?). Open it read-only, or copy the project to a writable folder.</source>
        <translation>{file} : impossible de créer le fichier de verrouillage {lock} (dossier en lecture seule ?). Ouvrez-le en lecture seule, ou copiez le projet dans un dossier modifiable.</translation>
    </message>
    <message>
        <source>The analysis crashed on this photo (twice); it was left out and the batch went on.</source>
        <translation>L&apos;analyse a planté sur cette photo (deux fois) ; elle a été écartée et le lot a continué.</translation>
    </message>
    <message>
        <source>File changed or missing since import: this record keeps its findings and reviews, but the file now holds another photo.</source>
        <translation>Fichier modifié ou absent depuis l&apos;import : cet enregistrement garde ses dégradations et ses décisions, mais le fichier contient maintenant une autre photo.</translation>
    </message>
    <message>
        <source>Training set: no photo is completely reviewed with a correction yet.</source>
        <translation>Jeu d&apos;entraînement : aucune photo n&apos;est encore entièrement contrôlée avec une correction.</translation>
    </message>
</context>
<context>
    <name>RejectedTableModel</name>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>#</source>
        <translation>N°</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Gravité</translation>
    </message>
    <message>
        <source>Rejected by</source>
        <translation>Rejetée par</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Remarque</translation>
    </message>
</context>
<context>
    <name>ReviewController</name>
    <message>
        <source>Loading {name}…</source>
        <translation>Chargement de {name}…</translation>
    </message>
    <message>
        <source>This file cannot be read.</source>
        <translation>Ce fichier ne peut pas être lu.</translation>
    </message>
    <message>
        <source>Not analysed yet.</source>
        <translation>Pas encore analysée.</translation>
    </message>
    <message>
        <source>No damage found on this photo.</source>
        <translation>Aucune dégradation trouvée sur cette photo.</translation>
    </message>
    <message>
        <source>No more findings in this direction.</source>
        <translation>Plus de dégradation dans cette direction.</translation>
    </message>
    <message>
        <source>Select a finding first (J / K, or click it).</source>
        <translation>Sélectionnez d&apos;abord une dégradation (J / K, ou cliquez dessus).</translation>
    </message>
    <message>
        <source>Every finding of the listed photos is reviewed.</source>
        <translation>Toutes les dégradations des photos listées sont contrôlées.</translation>
    </message>
    <message>
        <source>This project is open read-only.</source>
        <translation>Ce projet est ouvert en lecture seule.</translation>
    </message>
    <message>
        <source>The corrected mask is empty: reject the finding instead (R).</source>
        <translation>Le masque corrigé est vide : rejetez plutôt la dégradation (R).</translation>
    </message>
    <message>
        <source>The painted damage is too small to record: paint more of it.</source>
        <translation>La dégradation peinte est trop petite pour être enregistrée : peignez-en davantage.</translation>
    </message>
</context>
<context>
    <name>ReviewCounter</name>
    <message numerus="yes">
        <source>{done} of %n finding(s) reviewed</source>
        <translation>
            <numerusform>{done} sur %n dégradation contrôlée</numerusform>
            <numerusform>{done} sur %n dégradations contrôlées</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RoadRegionEditor</name>
    <message>
        <source>Road region — {group}</source>
        <translation>Zone de chaussée — {group}</translation>
    </message>
    <message>
        <source>Findings are only kept on the road. The shaded area is not road: above the horizon and the parts of the vehicle that stay still on the photos. Paint with the brush what is not road, erase what is. Applies to the {count} photo(s) of this camera; they are analysed again.</source>
        <translation>Les détections ne sont gardées que sur la chaussée. La zone grisée n’est pas la chaussée : au-dessus de l’horizon et les parties du véhicule qui restent immobiles sur les photos. Peignez au pinceau ce qui n’est pas la chaussée, gommez ce qui l’est. S’applique aux {count} photo(s) de cet appareil ; elles sont analysées à nouveau.</translation>
    </message>
    <message>
        <source>&amp;Brush: not road</source>
        <translation>&amp;Pinceau : hors chaussée</translation>
    </message>
    <message>
        <source>&amp;Eraser: road</source>
        <translation>&amp;Gomme : chaussée</translation>
    </message>
    <message>
        <source>&amp;Undo my changes</source>
        <translation>&amp;Annuler mes modifications</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <source>The region covers the whole photo: nothing could be analysed. Erase the part that is road.</source>
        <translation>La zone couvre toute la photo : rien ne pourrait être analysé. Gommez la partie qui est la chaussée.</translation>
    </message>
    <message>
        <source>Road region</source>
        <translation>Zone de chaussée</translation>
    </message>
    <message numerus="yes">
        <source>Road region saved: %n photo(s) will be analysed again (F5).</source>
        <translation>
            <numerusform>Zone de chaussée enregistrée : %n photo sera analysée à nouveau (F5).</numerusform>
            <numerusform>Zone de chaussée enregistrée : %n photos seront analysées à nouveau (F5).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Reviewer name</source>
        <translation>Nom du contrôleur</translation>
    </message>
    <message>
        <source>Name recorded with every review decision and in the audit log.</source>
        <translation>Nom enregistré avec chaque décision de contrôle et dans le journal d&apos;audit.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <source>Language of the interface: the system&apos;s language, French or English.</source>
        <translation>Langue de l&apos;interface : celle du système, le français ou l&apos;anglais.</translation>
    </message>
    <message>
        <source>Online map tiles</source>
        <translation>Fond de carte en ligne</translation>
    </message>
    <message>
        <source>Download the map&apos;s background from the tile server below; that server then sees which area you look at. Off: the map works offline.</source>
        <translation>Télécharger le fond de carte depuis le serveur de tuiles ci-dessous ; ce serveur voit alors quelle zone vous regardez. Désactivé : la carte fonctionne hors ligne.</translation>
    </message>
    <message>
        <source>Tile server address</source>
        <translation>Adresse du serveur de tuiles</translation>
    </message>
    <message>
        <source>Address of the tiles with {z}, {x} and {y}: OpenStreetMap, your département&apos;s server or Plan IGN.</source>
        <translation>Adresse des tuiles avec {z}, {x} et {y} : OpenStreetMap, le serveur de votre département ou le Plan IGN.</translation>
    </message>
    <message>
        <source>Tile credit</source>
        <translation>Crédit des tuiles</translation>
    </message>
    <message>
        <source>Credit line shown on the map for the online tiles (most servers require one).</source>
        <translation>Mention affichée sur la carte pour les tuiles en ligne (exigée par la plupart des serveurs).</translation>
    </message>
    <message>
        <source>Tile cache size</source>
        <translation>Taille du cache de tuiles</translation>
    </message>
    <message>
        <source>Disk space the downloaded tiles may take; the oldest are removed first (0: keep none).</source>
        <translation>Espace disque que peuvent occuper les tuiles téléchargées ; les plus anciennes sont supprimées d&apos;abord (0 : n&apos;en garder aucune).</translation>
    </message>
    <message>
        <source>Tile cache expiry</source>
        <translation>Durée de conservation des tuiles</translation>
    </message>
    <message>
        <source>Downloaded tiles older than this are fetched again.</source>
        <translation>Les tuiles téléchargées plus anciennes sont téléchargées à nouveau.</translation>
    </message>
    <message>
        <source>Offline base map</source>
        <translation>Fond de carte hors ligne</translation>
    </message>
    <message>
        <source>An MBTiles or GeoPackage tile file drawn behind the map with no network (empty: none).</source>
        <translation>Un fichier de tuiles MBTiles ou GeoPackage affiché sous la carte, sans réseau (vide : aucun).</translation>
    </message>
    <message>
        <source>Camera height</source>
        <translation>Hauteur de la caméra</translation>
    </message>
    <message>
        <source>Height of the camera above the road (flat-road model used for metric measures).</source>
        <translation>Hauteur de la caméra au-dessus de la chaussée (modèle de route plane utilisé pour les mesures métriques).</translation>
    </message>
    <message>
        <source>Camera pitch</source>
        <translation>Inclinaison de la caméra</translation>
    </message>
    <message>
        <source>Angle of the camera below the horizon (0 = looking at the horizon, 90 = straight down).</source>
        <translation>Angle de la caméra sous l&apos;horizon (0 = vers l&apos;horizon, 90 = vers le sol).</translation>
    </message>
    <message>
        <source>Horizontal field of view</source>
        <translation>Champ de vision horizontal</translation>
    </message>
    <message>
        <source>Used when the photos&apos; EXIF gives no 35-mm-equivalent focal length.</source>
        <translation>Utilisé quand l&apos;EXIF des photos ne donne pas de focale équivalente 35 mm.</translation>
    </message>
    <message>
        <source>Section length</source>
        <translation>Longueur des tronçons</translation>
    </message>
    <message>
        <source>Length of the road sections that get a condition score.</source>
        <translation>Longueur des tronçons de route qui reçoivent une note d&apos;état.</translation>
    </message>
    <message>
        <source>Severity weight</source>
        <translation>Poids de la gravité</translation>
    </message>
    <message>
        <source>Points of the priority score given by the severity (high = full weight).</source>
        <translation>Points du score de priorité donnés par la gravité (élevée = poids entier).</translation>
    </message>
    <message>
        <source>Type weight</source>
        <translation>Poids du type</translation>
    </message>
    <message>
        <source>Points given by the damage type (pothole = full weight, then alligator, transverse, longitudinal).</source>
        <translation>Points donnés par le type de dégradation (nid-de-poule = poids entier, puis faïençage, transversale, longitudinale).</translation>
    </message>
    <message>
        <source>Extent weight</source>
        <translation>Poids de l&apos;étendue</translation>
    </message>
    <message>
        <source>Points given by the size of the damage (crack length, alligator or pothole area).</source>
        <translation>Points donnés par la taille de la dégradation (longueur de fissure, surface de faïençage ou de nid-de-poule).</translation>
    </message>
    <message>
        <source>Confidence weight</source>
        <translation>Poids de la confiance</translation>
    </message>
    <message>
        <source>Points given by the model&apos;s confidence (full weight once an inspector confirmed the site).</source>
        <translation>Points donnés par la confiance du modèle (poids entier dès qu&apos;un inspecteur a confirmé le point).</translation>
    </message>
    <message>
        <source>Road class factor</source>
        <translation>Coefficient de classe de route</translation>
    </message>
    <message>
        <source>Multiplies every score: e.g. 1.2 for a main road, 0.8 for a lane.</source>
        <translation>Multiplie chaque score : par exemple 1,2 pour une route principale, 0,8 pour un chemin.</translation>
    </message>
    <message>
        <source>general</source>
        <translation>général</translation>
    </message>
    <message>
        <source>map</source>
        <translation>carte</translation>
    </message>
    <message>
        <source>MB</source>
        <translation>Mo</translation>
    </message>
    <message>
        <source>days</source>
        <translation>jours</translation>
    </message>
    <message>
        <source>review</source>
        <translation>contrôle</translation>
    </message>
    <message>
        <source>camera</source>
        <translation>caméra</translation>
    </message>
    <message>
        <source>sections</source>
        <translation>tronçons</translation>
    </message>
    <message>
        <source>priority</source>
        <translation>priorité</translation>
    </message>
    <message>
        <source>system</source>
        <translation>système</translation>
    </message>
    <message>
        <source>fr</source>
        <translation>fr</translation>
    </message>
    <message>
        <source>en</source>
        <translation>en</translation>
    </message>
    <message>
        <source>none: a plain background</source>
        <translation>aucun : un fond uni</translation>
    </message>
    <message>
        <source>Tile files (*.mbtiles *.gpkg);;All files (*)</source>
        <translation>Fichiers de tuiles (*.mbtiles *.gpkg);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Choose an MBTiles or GeoPackage tile file</source>
        <translation>Choisir un fichier de tuiles MBTiles ou GeoPackage</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Langue du système</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Paramètres</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Raccourcis clavier</translation>
    </message>
    <message>
        <source>Search an action or a key…</source>
        <translation>Chercher une action ou une touche…</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Touches</translation>
    </message>
    <message>
        <source>While you type a note, the keys type text: Enter or Escape gives them back to the review. 1 and 2 choose the class of a missed finding while you draw it.</source>
        <translation>Pendant la saisie d&apos;une remarque, les touches écrivent du texte : Entrée ou Échap les rendent au contrôle. 1 et 2 choisissent le type d&apos;une dégradation manquée pendant que vous la dessinez.</translation>
    </message>
</context>
<context>
    <name>SiteTableModel</name>
    <message>
        <source>Rank</source>
        <translation>Rang</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>Point</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Gravité</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>Score</translation>
    </message>
    <message>
        <source>Severity pts</source>
        <translation>Pts gravité</translation>
    </message>
    <message>
        <source>Type pts</source>
        <translation>Pts type</translation>
    </message>
    <message>
        <source>Extent pts</source>
        <translation>Pts étendue</translation>
    </message>
    <message>
        <source>Confidence pts</source>
        <translation>Pts confiance</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>Photos</translation>
    </message>
    <message>
        <source>Section</source>
        <translation>Tronçon</translation>
    </message>
</context>
<context>
    <name>SitesPanel</name>
    <message numerus="yes">
        <source>%n site(s)</source>
        <translation>
            <numerusform>%n point d&apos;intervention</numerusform>
            <numerusform>%n points d&apos;intervention</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n road section(s)</source>
        <translation>
            <numerusform>%n tronçon</numerusform>
            <numerusform>%n tronçons</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rejected finding(s), in no site</source>
        <translation>
            <numerusform>%n dégradation rejetée, dans aucun site</numerusform>
            <numerusform>%n dégradations rejetées, dans aucun site</numerusform>
        </translation>
    </message>
    <message>
        <source>All damage types</source>
        <translation>Tous les types</translation>
    </message>
    <message>
        <source>Any crack</source>
        <translation>Toutes les fissures</translation>
    </message>
    <message>
        <source>Any review status</source>
        <translation>Tous les états de contrôle</translation>
    </message>
    <message>
        <source>Rejected (not in the list)</source>
        <translation>Rejetées (hors de la liste)</translation>
    </message>
</context>
<context>
    <name>Survey</name>
    <message>
        <source>Split for inspectors</source>
        <translation>Répartir entre inspecteurs</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Parcourir…</translation>
    </message>
    <message>
        <source>Copy each part&apos;s photos next to it (for a laptop in the field)</source>
        <translation>Copier les photos de chaque partie à côté d&apos;elle (pour un portable sur le terrain)</translation>
    </message>
    <message>
        <source>Parts (one per inspector):</source>
        <translation>Parties (une par inspecteur) :</translation>
    </message>
    <message>
        <source>Folder for the parts:</source>
        <translation>Dossier des parties :</translation>
    </message>
    <message>
        <source>Folder for the parts</source>
        <translation>Dossier des parties</translation>
    </message>
    <message>
        <source>{n} parts written to {folder}: give one to each inspector, then File › Merge reviews… brings their decisions back.</source>
        <translation>{n} parties écrites dans {folder} : donnez-en une à chaque inspecteur, puis Fichier › Fusionner les décisions… rapatrie leurs décisions.</translation>
    </message>
    <message>
        <source>Photos not copied</source>
        <translation>Photos non copiées</translation>
    </message>
    <message>
        <source>{n} photo files were not found and not copied:
{files}</source>
        <translation>{n} fichiers photo sont introuvables et n&apos;ont pas été copiés :
{files}</translation>
    </message>
    <message>
        <source>photos</source>
        <translation>photos</translation>
    </message>
    <message>
        <source>Merge reviews from parts</source>
        <translation>Fusionner les décisions des parties</translation>
    </message>
    <message>
        <source>RoadInspect projects (*{ext});;All files (*)</source>
        <translation>Projets RoadInspect (*{ext});;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Conflicts to decide</source>
        <translation>Conflits à trancher</translation>
    </message>
    <message>
        <source>Merge reviews</source>
        <translation>Fusion des décisions</translation>
    </message>
    <message>
        <source>findings</source>
        <translation>dégradations</translation>
    </message>
    <message>
        <source>Nothing new in these parts: the project already holds their decisions.</source>
        <translation>Rien de nouveau dans ces parties : le projet contient déjà leurs décisions.</translation>
    </message>
    <message>
        <source>{applied} decisions merged, {added} drawn findings added, {conflicts} conflicts to decide.</source>
        <translation>{applied} décisions fusionnées, {added} dégradations dessinées ajoutées, {conflicts} conflits à trancher.</translation>
    </message>
    <message>
        <source>part {index} of {of} ({file})</source>
        <translation>partie {index} sur {of} ({file})</translation>
    </message>
    <message>
        <source>this project</source>
        <translation>ce projet</translation>
    </message>
    <message>
        <source>These findings were decided differently in two places. The project keeps its decision until you decide again (photo list: &quot;With a merge conflict&quot;):</source>
        <translation>Ces dégradations ont reçu des décisions différentes à deux endroits. Le projet garde sa décision jusqu&apos;à ce que vous tranchiez (liste des photos : « Avec un conflit de fusion ») :</translation>
    </message>
    <message>
        <source>{where}: {status} by {who}</source>
        <translation>{where} : {status} par {who}</translation>
    </message>
    <message>
        <source>Finding {id}: {sides}</source>
        <translation>Dégradation {id} : {sides}</translation>
    </message>
    <message>
        <source>… and {n} more.</source>
        <translation>… et {n} de plus.</translation>
    </message>
    <message>
        <source> — part {index} of {of}</source>
        <translation> — partie {index} sur {of}</translation>
    </message>
</context>
<context>
    <name>TaskProgress</name>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>{rate} {unit}/s</source>
        <translation>{rate} {unit}/s</translation>
    </message>
    <message>
        <source>{eta} left</source>
        <translation>reste {eta}</translation>
    </message>
</context>
</TS>
