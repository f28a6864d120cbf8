<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="-11.388401440211705" classificationMax="6.724704197474889" nodataColor="">
      <rasterTransparency/>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" minimumValue="-11.388401440211705" maximumValue="6.724704197474889">
          <item value="-11.388401440211705" color="#f2f0f7" alpha="255" label="≤ -11.39"/>
          <item value="-7.765780312674386" color="#dadaeb" alpha="255" label="-11.39 – -7.77"/>
          <item value="-4.143159185137067" color="#bcbddc" alpha="255" label="-7.77 – -4.14"/>
          <item value="-0.5205380575997491" color="#9e9ac8" alpha="255" label="-4.14 – -0.521"/>
          <item value="3.1020830699375708" color="#807dba" alpha="255" label="-0.521 – 3.1"/>
          <item value="6.724704197474889" color="#6a51a3" alpha="255" label="3.1 – 6.72"/>
          <item value="inf" color="#4a1486" alpha="255" label="&gt; 6.72"/>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
</qgis>
